using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Backprop.Core.Kernels;

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
/// An elementwise activation phi and its derivative phi'. Forward and derivative sit side by side per kind, in one
/// vector kernel each (Kernels/ActivationKernels.cs), within a few ulp of the exact value for every input from
/// subnormal to overflow; single values and spans of any length go through the same lanes, so they agree bit for bit.
/// The dense layer applies the chain rule once (delta = dJ/da * phi'(z)).
/// Conventions at kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha, abs'(0) = sign(0) = 0.
/// GELU is the tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks and Gimpel 2016,
/// PyTorch's approximate='tanh'), chosen because it is closed-form in the scalar engine's primitives, so
/// the dense engine can be checked against the graph engine exactly.
/// </summary>
public sealed record Activation
{
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

    /// <summary>phi(z), through the same kernel as <see cref="Forward(ReadOnlySpan{double}, Span{double})"/>: bit for bit what a span gives.</summary>
    public double Apply(double z)
    {
        var action = new ScalarAction(z, derivative: false);
        Dispatch(ref action);
        return action.Result;
    }

    /// <summary>
    /// phi'(z), through the same kernel as the spans; for the smooth kinds <c>g * Derivative(z)</c> is bit for bit what
    /// <see cref="MultiplyByDerivative(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/> gives.
    /// </summary>
    public double Derivative(double z)
    {
        var action = new ScalarAction(z, derivative: true);
        Dispatch(ref action);
        return action.Result;
    }

    /// <summary>
    /// Effectively computes <c>a[i] = phi(z[i])</c> (a may be z itself), within a few ulp of the exact value at every
    /// magnitude, and bit for bit <see cref="Apply"/> of each element wherever it sits in the span.
    /// </summary>
    public void Forward(ReadOnlySpan<double> z, Span<double> a) => Forward(z, a, default);

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{double}, Span{double})"/>, and where <see cref="KeepsDerivative"/> also
    /// <c>derivative[i] = phi'(z[i])</c> from the same intermediate values (tanh' from tanh's own exp), for
    /// <see cref="MultiplyByKeptDerivative"/>; <paramref name="derivative"/> is not touched otherwise and may be empty.
    /// </summary>
    internal void Forward(ReadOnlySpan<double> z, Span<double> a, Span<double> derivative)
    {
        if (a.Length < z.Length || (KeepsDerivative && !derivative.IsEmpty && derivative.Length < z.Length))
        {
            throw new ArgumentException("a destination is shorter than the input", nameof(a));
        }
        var action = new ForwardAction(z, a, KeepsDerivative ? derivative : default);
        Dispatch(ref action);
    }

    /// <summary>
    /// True for the smooth kinds, whose phi' costs about as much as phi and shares its work: a layer keeps it from the
    /// forward pass rather than recomputing it in the backward. The piecewise-linear kinds select from z instead.
    /// </summary>
    internal bool KeepsDerivative => Kind is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Elu or ActivationKind.Softplus or ActivationKind.Gelu;

    /// <summary>
    /// Effectively computes <c>delta[i] *= phi'(z[i])</c>. phi' is computed from z; <paramref name="a"/>, the forward
    /// output, is not needed (1 - a^2 for tanh' loses every digit where |a| rounds near 1).
    /// </summary>
    public void MultiplyByDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> a, Span<double> delta) =>
        MultiplyByDerivative(z, a, delta, delta);

    /// <summary>
    /// Effectively computes <c>delta[i] = g[i] * phi'(z[i])</c> (g = dJ/da, delta = dJ/dz; g may be delta itself), for
    /// the smooth kinds bit for bit <c>g[i] * Derivative(z[i])</c> wherever the element sits. The piecewise-linear kinds
    /// select g, -g, slope g or 0 (PyTorch's convention: an infinite g gives 0, not NaN, where phi' is 0).
    /// </summary>
    internal void MultiplyByDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> g, Span<double> delta)
    {
        int n = delta.Length;
        if (z.Length < n || g.Length < n)
        {
            throw new ArgumentException("z and g must be at least as long as delta", nameof(delta));
        }
        var action = new BackwardAction(z, g, delta);
        Dispatch(ref action);
    }

    /// <summary>
    /// <see cref="MultiplyByDerivative(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    /// with phi' as <see cref="Forward(ReadOnlySpan{double}, Span{double}, Span{double})"/> kept it (one multiply per
    /// element, the same bits; delta may be that span itself); with none kept (an empty span, or a kind that keeps
    /// nothing) phi' comes from z as usual.
    /// </summary>
    internal void MultiplyByKeptDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> derivative, ReadOnlySpan<double> g, Span<double> delta)
    {
        int n = delta.Length;
        if (!KeepsDerivative || derivative.IsEmpty)
        {
            MultiplyByDerivative(z, default, g, delta);
            return;
        }
        if (derivative.Length < n || g.Length < n)
        {
            throw new ArgumentException("derivative and g must be at least as long as delta", nameof(delta));
        }
        TensorPrimitives.Multiply(g[..n], derivative[..n], delta);
    }

    /// <summary>Runs <paramref name="action"/> with this activation's kernel: the one place that maps a kind to its kernel.</summary>
    private void Dispatch<TAction>(ref TAction action) where TAction : IKernelAction, allows ref struct
    {
        switch (Kind)
        {
            case ActivationKind.Identity:
                action.Run(new IdentityKernel());
                break;
            case ActivationKind.Sigmoid:
                action.Run(new SigmoidKernel());
                break;
            case ActivationKind.Tanh:
                action.Run(new TanhKernel());
                break;
            case ActivationKind.Relu:
                action.Run(new ReluKernel());
                break;
            case ActivationKind.LeakyRelu:
                action.Run(new LeakyReluKernel(Parameter));
                break;
            case ActivationKind.Elu:
                action.Run(new EluKernel(Parameter));
                break;
            case ActivationKind.Softplus:
                action.Run(new SoftplusKernel());
                break;
            case ActivationKind.Gelu:
                action.Run(new GeluKernel());
                break;
            case ActivationKind.Abs:
                action.Run(new AbsKernel());
                break;
            default:
                throw new InvalidOperationException();
        }
    }

    /// <summary>
    /// What to do with a kernel. The actions' Run is never inlined into <see cref="Dispatch"/>, so a process compiles
    /// the kernels of the kinds it uses, not all nine at the first call.
    /// </summary>
    private interface IKernelAction
    {
        void Run<TKernel>(TKernel kernel) where TKernel : struct, IActivationKernel;
    }

    private struct ScalarAction(double z, bool derivative) : IKernelAction
    {
        public double Result { get; private set; }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, IActivationKernel =>
            Result = derivative ? ActivationSpans.Derivative(kernel, z) : ActivationSpans.Value(kernel, z);
    }

    private readonly ref struct ForwardAction(ReadOnlySpan<double> z, Span<double> a, Span<double> derivative) : IKernelAction
    {
        private readonly ReadOnlySpan<double> _z = z;
        private readonly Span<double> _a = a;
        private readonly Span<double> _derivative = derivative;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, IActivationKernel
        {
            if (_derivative.IsEmpty)
            {
                ActivationSpans.Forward(kernel, _z, _a);
            }
            else
            {
                ActivationSpans.Forward(kernel, _z, _a, _derivative);
            }
        }
    }

    private readonly ref struct BackwardAction(ReadOnlySpan<double> z, ReadOnlySpan<double> g, Span<double> delta) : IKernelAction
    {
        private readonly ReadOnlySpan<double> _z = z;
        private readonly ReadOnlySpan<double> _g = g;
        private readonly Span<double> _delta = delta;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, IActivationKernel =>
            ActivationSpans.Backward(kernel, _z, _g, _delta);
    }
}
