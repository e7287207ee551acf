namespace Backprop.Core.Autodiff;

/// <summary>
/// Ops built only from the primitives, so their gradients come from the primitive rules and cannot
/// disagree with them. Each has a double twin used by <see cref="Expr.Evaluate"/>, composed the same way
/// so plain evaluation gives bit-for-bit the graph's forward value.
/// </summary>
public static partial class Ops
{
    /// <summary>-a, as a * (-1).</summary>
    public static Value Neg(Value a) => Mul(a, Value.Constant(-1));

    internal static double Neg(double a) => MulStep(a, -1).Y;

    /// <summary>a - b, as a + (-b).</summary>
    public static Value Sub(Value a, Value b) => Add(a, Neg(b));

    internal static double Sub(double a, double b) => AddStep(a, Neg(b)).Y;

    /// <summary>a / b, as a * b^-1. Throws <see cref="DomainException"/> when b is 0.</summary>
    public static Value Div(Value a, Value b)
    {
        CheckDivisor(a.Data, b.Data);
        return Mul(a, Pow(b, -1));
    }

    internal static double Div(double a, double b)
    {
        CheckDivisor(a, b);
        return MulStep(a, PowStep(b, -1).Y).Y;
    }

    /// <summary>a^2.</summary>
    public static Value Square(Value a) => Pow(a, 2);

    /// <summary>
    /// The square root, as a^0.5, so its derivative is the power rule's 0.5 a^-0.5. Throws
    /// <see cref="DomainException"/> for a &lt; 0 and at a = 0, where that derivative is infinite.
    /// </summary>
    public static Value Sqrt(Value a)
    {
        CheckSqrt(a.Data);
        return Pow(a, 0.5);
    }

    internal static double Sqrt(double a)
    {
        CheckSqrt(a);
        return PowStep(a, 0.5).Y;
    }

    // Checked here, before pow, so the message says "sqrt" rather than "x^0.5".
    private static void CheckSqrt(double a)
    {
        if (!(a > 0))
        {
            throw new DomainException("sqrt", a == 0
                ? "sqrt has no finite derivative at 0 (d sqrt(a)/da = 0.5 a^-0.5 is infinite there)"
                : $"sqrt of {NumberText.Format(a)} is undefined (sqrt needs an argument >= 0)");
        }
    }

    // Checked here, before pow, so the message says "division" rather than "0^-1".
    private static void CheckDivisor(double a, double b)
    {
        if (b == 0)
        {
            throw new DomainException("/", $"division by zero: {NumberText.Format(a)} / 0 is undefined");
        }
    }
}
