namespace Backprop.Core.Autodiff;

/// <summary>
/// The primitives with a kink, a point where the function is continuous but has no derivative. The value the
/// op returns there is a one-sided slope or between the two (a subgradient), as PyTorch chooses it, so a
/// gradient check across the kink can bracket it; <see cref="AtKink"/> tells the teaching output when a node
/// sits exactly on one.
/// </summary>
public static partial class Ops
{
    /// <summary>max(0, x). The derivative at the kink x = 0 is taken as 0, as PyTorch does.</summary>
    public static Value Relu(Value x) => Unary("relu", x, ReluStep(x.Data));

    internal static UnaryStep ReluStep(double x)
    {
        if (double.IsNaN(x))
        {
            throw new DomainException("relu", "relu of NaN is undefined");
        }

        return x > 0 ? new UnaryStep(x, 1) : new UnaryStep(0, 0);
    }

    /// <summary>|x|; local derivative the sign of x, taken as 0 at the kink x = 0 (PyTorch's sign(0)).</summary>
    public static Value Abs(Value x) => Unary("abs", x, AbsStep(x.Data));

    internal static UnaryStep AbsStep(double x)
    {
        if (double.IsNaN(x))
        {
            throw new DomainException("abs", "abs of NaN is undefined");
        }

        return new UnaryStep(Math.Abs(x), x > 0 ? 1 : x < 0 ? -1 : 0);
    }

    /// <summary>
    /// The larger of a and b; local derivatives 1 for the larger and 0 for the other. At the kink a = b each gets
    /// 1/2, as torch.maximum does: the average of the one-sided slopes, and the same for max(a, b) and max(b, a).
    /// </summary>
    public static Value Max(Value a, Value b) => Binary("max", a, b, MaxStep(a.Data, b.Data));

    internal static BinaryStep MaxStep(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? throw new DomainException("max", $"max of {Num(a)} and {Num(b)} is undefined")
        : a > b ? new BinaryStep(a, 1, 0)
        : a < b ? new BinaryStep(b, 0, 1)
        : new BinaryStep(Math.Max(a, b), 0.5, 0.5);

    /// <summary>The smaller of a and b; local derivatives 1 for the smaller and 0 for the other, 1/2 each at a = b.</summary>
    public static Value Min(Value a, Value b) => Binary("min", a, b, MinStep(a.Data, b.Data));

    internal static BinaryStep MinStep(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? throw new DomainException("min", $"min of {Num(a)} and {Num(b)} is undefined")
        : a < b ? new BinaryStep(a, 1, 0)
        : a > b ? new BinaryStep(b, 0, 1)
        : new BinaryStep(Math.Min(a, b), 0.5, 0.5);

    /// <summary>
    /// Whether <paramref name="node"/> is a kinked op evaluated exactly at its kink (relu or abs of 0, max or min
    /// of two equal values), where its local derivative is a convention rather than a slope.
    /// </summary>
    public static bool AtKink(Value node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Op switch
        {
            "relu" or "abs" => node.Parents[0].Data == 0,
            "max" or "min" => node.Parents[0].Data == node.Parents[1].Data,
            _ => false,
        };
    }
}
