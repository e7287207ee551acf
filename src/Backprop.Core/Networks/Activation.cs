using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Networks;

public enum ActivationKind
{
    Identity,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Elu,
    Softplus,
    Gelu,
    Abs,
}

/// <summary>
/// An elementwise activation phi and its derivative phi'. Forward and derivative sit side by side per kind;
/// the dense layer applies the chain rule once (delta = dJ/da * phi'(z)).
/// Conventions at kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha, abs'(0) = sign(0) = 0.
/// GELU is the tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks and Gimpel 2016,
/// PyTorch's approximate='tanh'), chosen because it is closed-form in the scalar engine's primitives, so
/// the dense engine can be checked against the graph engine exactly.
/// </summary>
public sealed record Activation
{
    private static readonly double GeluC = Math.Sqrt(2.0 / Math.PI);
    private const double GeluA = 0.044715;

    private Activation(ActivationKind kind, double parameter)
    {
        Kind = kind;
        Parameter = parameter;
    }

    public ActivationKind Kind { get; }

    /// <summary>The slope of leaky_relu for negative inputs, or alpha of elu; 0 for the other kinds.</summary>
    public double Parameter { get; }

    public static Activation Identity { get; } = new(ActivationKind.Identity, 0);
    public static Activation Sigmoid { get; } = new(ActivationKind.Sigmoid, 0);
    public static Activation Tanh { get; } = new(ActivationKind.Tanh, 0);
    public static Activation Relu { get; } = new(ActivationKind.Relu, 0);
    public static Activation Softplus { get; } = new(ActivationKind.Softplus, 0);
    public static Activation Gelu { get; } = new(ActivationKind.Gelu, 0);

    /// <summary>|z|: slope -1 left of its kink at 0 and 1 right of it (leaky_relu(-1) but for the derivative at 0).</summary>
    public static Activation Abs { get; } = new(ActivationKind.Abs, 0);

    public static Activation LeakyRelu(double slope = 0.01) =>
        double.IsFinite(slope) ? new(ActivationKind.LeakyRelu, slope) : throw new ArgumentOutOfRangeException(nameof(slope), slope, "slope must be finite");

    public static Activation Elu(double alpha = 1.0) =>
        double.IsFinite(alpha) ? new(ActivationKind.Elu, alpha) : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite");

    /// <summary>The names accepted by <see cref="TryParse"/>, for messages.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu(SLOPE)", "elu", "elu(ALPHA)", "softplus", "gelu", "abs"];

    /// <summary>True where phi' jumps at 0 (a finite difference across 0 is not the derivative).</summary>
    public bool HasKink => Kind switch
    {
        ActivationKind.Relu or ActivationKind.Abs => true,
        ActivationKind.LeakyRelu or ActivationKind.Elu => Parameter != 1.0,
        _ => false,
    };

    /// <summary>Parses "tanh", "leaky_relu", "leaky_relu(0.2)", "elu(1.5)", "abs", "linear" (= identity).</summary>
    public static bool TryParse(string text, out Activation activation)
    {
        activation = Identity;
        string s = text.Trim().ToLowerInvariant();
        string name = s;
        double? parameter = null;
        int open = s.IndexOf('(');
        if (open >= 0)
        {
            if (!s.EndsWith(')'))
            {
                return false;
            }
            name = s[..open].Trim();
            if (!double.TryParse(s[(open + 1)..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !double.IsFinite(p))
            {
                return false;
            }
            parameter = p;
        }
        Activation? result = name switch
        {
            "identity" or "linear" when parameter is null => Identity,
            "sigmoid" when parameter is null => Sigmoid,
            "tanh" when parameter is null => Tanh,
            "relu" when parameter is null => Relu,
            "softplus" when parameter is null => Softplus,
            "gelu" when parameter is null => Gelu,
            "abs" when parameter is null => Abs,
            "leaky_relu" => LeakyRelu(parameter ?? 0.01),
            "elu" => Elu(parameter ?? 1.0),
            _ => null,
        };
        if (result is null)
        {
            return false;
        }
        activation = result;
        return true;
    }

    public override string ToString() => Kind switch
    {
        ActivationKind.Identity => "identity",
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.Tanh => "tanh",
        ActivationKind.Relu => "relu",
        ActivationKind.LeakyRelu => FormattableString.Invariant($"leaky_relu({Parameter:R})"),
        ActivationKind.Elu => FormattableString.Invariant($"elu({Parameter:R})"),
        ActivationKind.Softplus => "softplus",
        ActivationKind.Gelu => "gelu",
        ActivationKind.Abs => "abs",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>phi(z).</summary>
    public double Apply(double z) => Kind switch
    {
        ActivationKind.Identity => z,
        ActivationKind.Sigmoid => StableSigmoid(z),
        ActivationKind.Tanh => Math.Tanh(z),
        ActivationKind.Relu => z > 0 ? z : 0.0,
        ActivationKind.LeakyRelu => z > 0 ? z : Parameter * z,
        ActivationKind.Elu => z > 0 ? z : Parameter * (Math.Exp(z) - 1.0),
        // log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow for large z, no cancellation for very negative z.
        ActivationKind.Softplus => Math.Max(z, 0.0) + LogOnePlus(Math.Exp(-Math.Abs(z))),
        ActivationKind.Gelu => 0.5 * z * (1.0 + Math.Tanh(GeluC * (z + GeluA * z * z * z))),
        ActivationKind.Abs => Math.Abs(z),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>phi'(z).</summary>
    public double Derivative(double z) => Kind switch
    {
        ActivationKind.Identity => 1.0,
        ActivationKind.Sigmoid => StableSigmoid(z) * (1.0 - StableSigmoid(z)),
        ActivationKind.Tanh => 1.0 - Math.Tanh(z) * Math.Tanh(z),
        ActivationKind.Relu => z > 0 ? 1.0 : 0.0,
        ActivationKind.LeakyRelu => z > 0 ? 1.0 : Parameter,
        ActivationKind.Elu => z > 0 ? 1.0 : Parameter * Math.Exp(z),
        ActivationKind.Softplus => StableSigmoid(z),
        ActivationKind.Gelu => GeluDerivative(z),
        ActivationKind.Abs => z > 0 ? 1.0 : z < 0 ? -1.0 : 0.0,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Effectively computes <c>a[i] = phi(z[i])</c>.</summary>
    public void Forward(ReadOnlySpan<double> z, Span<double> a)
    {
        if (a.Length < z.Length)
        {
            throw new ArgumentException("destination is shorter than the input", nameof(a));
        }
        switch (Kind)
        {
            case ActivationKind.Identity:
                z.CopyTo(a);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(z, a);
                break;
            case ActivationKind.Relu:
                TensorPrimitives.Max(z, 0.0, a);
                break;
            case ActivationKind.Abs:
                TensorPrimitives.Abs(z, a);
                break;
            default:
                for (int i = 0; i < z.Length; i++)
                {
                    a[i] = Apply(z[i]);
                }
                break;
        }
    }

    /// <summary>
    /// Effectively computes <c>delta[i] *= phi'(z[i])</c>, using the forward output <paramref name="a"/> where
    /// it gives phi' more cheaply (tanh' = 1 - a^2, sigmoid' = a (1 - a)).
    /// </summary>
    public void MultiplyByDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> a, Span<double> delta) =>
        MultiplyByDerivative(z, a, delta, delta);

    /// <summary>
    /// Effectively computes <c>delta[i] = g[i] * phi'(z[i])</c> (g = dJ/da, delta = dJ/dz; g may be delta itself).
    /// Vectorised with separate multiplies and subtractions, never fused, so each element is rounded exactly as the
    /// scalar formula g (1 - a a) would be.
    /// </summary>
    internal void MultiplyByDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> g, Span<double> delta)
    {
        int n = delta.Length;
        switch (Kind)
        {
            case ActivationKind.Identity:
                g[..n].CopyTo(delta);
                break;
            case ActivationKind.Tanh:
                // delta = g (1 - a a); in place on delta when g aliases it, so the derivative goes to a scratch-free order.
                if (Unsafe.AreSame(ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(delta)))
                {
                    for (int i = 0; i < n; i++)
                    {
                        delta[i] *= 1.0 - a[i] * a[i];
                    }
                    break;
                }
                TensorPrimitives.Multiply(a[..n], a[..n], delta);
                TensorPrimitives.Subtract(1.0, delta, delta);
                TensorPrimitives.Multiply(g[..n], delta, delta);
                break;
            case ActivationKind.Sigmoid:
                if (Unsafe.AreSame(ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(delta)))
                {
                    for (int i = 0; i < n; i++)
                    {
                        delta[i] *= a[i] * (1.0 - a[i]);
                    }
                    break;
                }
                TensorPrimitives.Subtract(1.0, a[..n], delta);
                TensorPrimitives.Multiply(a[..n], delta, delta);
                TensorPrimitives.Multiply(g[..n], delta, delta);
                break;
            case ActivationKind.Relu:
                for (int i = 0; i < n; i++)
                {
                    delta[i] = z[i] > 0 ? g[i] : 0.0;
                }
                break;
            case ActivationKind.Abs:
                for (int i = 0; i < n; i++)
                {
                    delta[i] = z[i] > 0 ? g[i] : z[i] < 0 ? -g[i] : 0.0;
                }
                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    delta[i] = g[i] * Derivative(z[i]);
                }
                break;
        }
    }

    internal static double StableSigmoid(double z)
    {
        if (z >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-z));
        }
        double e = Math.Exp(z);
        return e / (1.0 + e);
    }

    private static double LogOnePlus(double x) => x < 1e-4 ? x - 0.5 * x * x + x * x * x / 3.0 : Math.Log(1.0 + x);

    private static double GeluDerivative(double z)
    {
        // d/dz [0.5 z (1 + tanh u)], u = c (z + a z^3): 0.5 (1 + tanh u) + 0.5 z (1 - tanh^2 u) c (1 + 3 a z^2).
        double t = Math.Tanh(GeluC * (z + GeluA * z * z * z));
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GeluC * (1.0 + 3.0 * GeluA * z * z);
    }
}
