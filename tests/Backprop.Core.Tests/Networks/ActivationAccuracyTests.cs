using Backprop.Core.Networks;
using Backprop.Core.Randomness;
using Backprop.Core.Tests.Support;
using Xunit.Abstractions;

namespace Backprop.Core.Tests.Networks;

/// <summary>
/// Every activation and derivative against the 256-bit reference (<see cref="ExactActivations"/>) from subnormal to
/// overflow, both signs; and every span length 0..67 and offset giving each value bit for bit what one value gives.
/// </summary>
public class ActivationAccuracyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Each kernel is a short chain of correctly rounded operations around an exp, expm1 or log1p core that is within
    /// 0.6 ulp; adding up the half-ulp roundings after it bounds every kind by 3 ulp (the per-kernel bounds are in
    /// their comments). 4 leaves room for that bound and nothing more: a formula that loses bits to cancellation or
    /// underflow shows errors of thousands of ulp and more (tanh' as 1 - tanh^2 at z = 20 is off by 100%).
    /// </summary>
    private const double MaxUlps = 4;

    public static TheoryData<int> Indices() => new(Enumerable.Range(0, NetworkFactory.AllActivations.Length));

    [Theory]
    [MemberData(nameof(Indices))]
    public void Value_and_derivative_are_within_4_ulp_of_the_exact_value_from_1e_310_to_1e3_and_beyond(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        double[] z = Inputs();
        var a = new double[z.Length];
        phi.Forward(z, a);
        double[] derivative = Enumerable.Repeat(1.0, z.Length).ToArray();
        phi.MultiplyByDerivative(z, a, derivative);

        (double valueUlps, double valueAt) = Worst(z, a, x => ExactActivations.Value(phi, x));
        (double derivativeUlps, double derivativeAt) = Worst(z, derivative, x => ExactActivations.Derivative(phi, x));
        output.WriteLine($"{phi,-16} {z.Length} inputs; worst error: phi {Describe(valueUlps, valueAt)}, phi' {Describe(derivativeUlps, derivativeAt)}");

        Assert.True(valueUlps <= MaxUlps, $"{phi}(z) is {valueUlps} ulp off at z = {valueAt:R}");
        Assert.True(derivativeUlps <= MaxUlps, $"{phi}'(z) is {derivativeUlps} ulp off at z = {derivativeAt:R}");
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Spans_of_every_length_and_offset_give_each_value_bit_for_bit_what_one_value_gives(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        double[] all = Inputs();
        double[] values = [.. all.Where((_, i) => i % 17 == 0), double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        var rng = new Rng(7);
        double[] g = values.Select(_ => rng.NextNormal()).ToArray();
        double[] one = values.Select(phi.Apply).ToArray();
        double[] oneDelta = values.Select((x, i) => SingleDelta(phi, x, g[i])).ToArray();
        bool smooth = phi.Kind is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Elu or ActivationKind.Softplus or ActivationKind.Gelu;

        var z = new double[67 + 8];
        var a = new double[z.Length];
        var gs = new double[z.Length];
        var delta = new double[z.Length];
        var inPlace = new double[z.Length];
        var kept = new double[z.Length];
        var aKept = new double[z.Length];
        var fromKept = new double[z.Length];
        int mismatches = 0;
        string first = "";
        for (int n = 0; n <= 67; n++)
        {
            for (int start = 0; start < values.Length; start++)
            {
                int offset = start % 8; // misaligns the span as well as moving each value through every lane
                for (int j = 0; j < n; j++)
                {
                    z[offset + j] = values[(start + j) % values.Length];
                    gs[offset + j] = inPlace[offset + j] = g[(start + j) % values.Length];
                }
                phi.Forward(z.AsSpan(offset, n), a.AsSpan(offset, n));
                phi.MultiplyByDerivative(z.AsSpan(offset, n), a.AsSpan(offset, n), gs.AsSpan(offset, n), delta.AsSpan(offset, n));
                phi.MultiplyByDerivative(z.AsSpan(offset, n), a.AsSpan(offset, n), inPlace.AsSpan(offset, n));
                // The network's way: phi' kept by the forward pass, then multiplied in.
                phi.Forward(z.AsSpan(offset, n), aKept.AsSpan(offset, n), kept.AsSpan(offset, n));
                phi.MultiplyByKeptDerivative(z.AsSpan(offset, n), kept.AsSpan(offset, n), gs.AsSpan(offset, n), fromKept.AsSpan(offset, n));
                for (int j = 0; j < n; j++)
                {
                    int v = (start + j) % values.Length;
                    double scalarDelta = smooth ? g[v] * phi.Derivative(values[v]) : oneDelta[v];
                    if (!Same(a[offset + j], one[v]) || !Same(aKept[offset + j], one[v]) || !Same(delta[offset + j], oneDelta[v])
                        || !Same(inPlace[offset + j], oneDelta[v]) || !Same(fromKept[offset + j], oneDelta[v]) || !Same(scalarDelta, oneDelta[v]))
                    {
                        first = mismatches++ == 0 ? $"z = {values[v]:R} at {j} of {n}: a {a[offset + j]:R} vs {one[v]:R}, delta {delta[offset + j]:R} / {inPlace[offset + j]:R} vs {oneDelta[v]:R}" : first;
                    }
                }
            }
        }
        Assert.True(mismatches == 0, $"{phi}: {mismatches} elements differ from the single-value result; first: {first}");
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Infinities_give_the_limits_and_NaN_stays_NaN(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        double p = phi.Parameter;
        (double AtPlus, double AtMinus, double SlopePlus, double SlopeMinus) limits = phi.Kind switch
        {
            ActivationKind.Identity => (double.PositiveInfinity, double.NegativeInfinity, 1, 1),
            ActivationKind.Sigmoid => (1, 0, 0, 0),
            ActivationKind.Tanh => (1, -1, 0, 0),
            ActivationKind.Relu => (double.PositiveInfinity, 0, 1, 0),
            ActivationKind.LeakyRelu => (double.PositiveInfinity, double.NegativeInfinity, 1, p),
            ActivationKind.Elu => (double.PositiveInfinity, -p, 1, 0),
            ActivationKind.Softplus => (double.PositiveInfinity, 0, 1, 0),
            ActivationKind.Gelu => (double.PositiveInfinity, 0, 1, 0),
            ActivationKind.Abs => (double.PositiveInfinity, double.PositiveInfinity, 1, -1),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(limits.AtPlus, phi.Apply(double.PositiveInfinity));
        Assert.Equal(limits.AtMinus, phi.Apply(double.NegativeInfinity));
        Assert.Equal(limits.SlopePlus, phi.Derivative(double.PositiveInfinity));
        Assert.Equal(limits.SlopeMinus, phi.Derivative(double.NegativeInfinity));
        Assert.True(double.IsNaN(phi.Apply(double.NaN)), $"{phi}(NaN) = {phi.Apply(double.NaN)}");
        if (phi.Kind is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Elu or ActivationKind.Softplus or ActivationKind.Gelu)
        {
            Assert.True(double.IsNaN(phi.Derivative(double.NaN)), $"{phi}'(NaN) = {phi.Derivative(double.NaN)}");
        }
    }

    /// <summary>
    /// The reference checked against an independent one: glibc's exp and tanh, correct to within an ulp where their
    /// results are normal, and 1 + tiny for expm1 below 2^-60 (the series' second term is below half an ulp there).
    /// </summary>
    [Fact]
    public void The_reference_agrees_with_System_Math_where_that_is_accurate()
    {
        var rng = new Rng(11);
        for (int i = 0; i < 300; i++)
        {
            double x = rng.NextUniform(-700, 700), t = rng.NextUniform(-20, 20);
            Assert.True(BigFloat.UlpError(Math.Exp(x), ExactActivations.Exp(BigFloat.FromDouble(x))) <= 1, $"exp({x:R})");
            Assert.True(BigFloat.UlpError(Math.Tanh(t), ExactActivations.Tanh(t)) <= 1, $"tanh({t:R})");
        }
        Assert.Equal(0, BigFloat.UlpError(1e-300, ExactActivations.ExpM1(BigFloat.FromDouble(1e-300))));
        Assert.Equal(0, BigFloat.UlpError(Math.Log(2), ExactActivations.LogOnePlus(BigFloat.One)), 0.5);
    }

    /// <summary>
    /// z from 1e-310 to 1e3 at eight points a decade; the edges of subnormal and normal range, of every branch and cap
    /// in the kernels and of overflow; around the root of gelu'; random values in [-40, 40]; all with both signs.
    /// </summary>
    internal static double[] Inputs()
    {
        var magnitudes = new List<double>();
        for (int i = 0; i <= 313 * 8; i++)
        {
            magnitudes.Add(Math.Pow(10, -310 + i / 8.0));
        }
        double[] edges =
        [
            double.Epsilon, 2 * double.Epsilon, 3 * double.Epsilon, Math.ScaleB(1, -1060), Math.ScaleB(1, -1022) - double.Epsilon,
            Math.ScaleB(1, -1022), Math.ScaleB(1, -1021), Math.ScaleB(1, -600), Math.ScaleB(1, -54), Math.ScaleB(1, -53), Math.ScaleB(1, -27),
            1e-8, 0.25, Math.Log(2) / 2, 0.5, 0.55, Math.Log(2), 1, 2, 19.06, 20, 22, 30, 36.7, 37, 44, 45, 100, 354, 372.5, 500,
            708.39, 709.78, 710, 744, 745.13, 746, 1000, 1499, 1500, 1501, 1e4, 1e100, 1e200, 1e300, double.MaxValue,
            0.92, 0.58, 0.75, 0.7524614220710163, 3,
        ];
        foreach (double e in edges)
        {
            magnitudes.Add(e);
            magnitudes.Add(Math.BitIncrement(e));
            magnitudes.Add(Math.BitDecrement(e));
        }
        for (int k = -4; k <= 4; k++)
        {
            magnitudes.Add(Math.Abs(Step(-0.7524614220710163, k)));
        }
        var rng = new Rng(2024);
        for (int i = 0; i < 1500; i++)
        {
            magnitudes.Add(Math.Abs(i % 2 == 0 ? 3 * rng.NextNormal() : 40 * rng.NextDouble()));
        }
        return magnitudes.Where(m => m != 0).Distinct().SelectMany(m => new[] { m, -m }).Prepend(-0.0).Prepend(0.0).ToArray();
    }

    private static double Step(double x, int k)
    {
        for (; k > 0; k--)
        {
            x = Math.BitIncrement(x);
        }
        for (; k < 0; k++)
        {
            x = Math.BitDecrement(x);
        }
        return x;
    }

    private static (double Ulps, double At) Worst(double[] z, double[] computed, Func<double, BigFloat> exact)
    {
        double worst = 0, at = double.NaN;
        for (int i = 0; i < z.Length; i++)
        {
            if (!double.IsFinite(z[i]))
            {
                continue;
            }
            double ulps = BigFloat.UlpError(computed[i], exact(z[i]));
            if (!(ulps <= worst))
            {
                (worst, at) = (ulps, z[i]);
            }
        }
        return (worst, at);
    }

    private static string Describe(double ulps, double at) => ulps == 0 ? "exact everywhere" : $"{ulps:F3} ulp at z = {at:R}";

    private static double SingleDelta(Activation phi, double z, double g)
    {
        double a = phi.Apply(z);
        var delta = new double[1];
        phi.MultiplyByDerivative([z], [a], [g], delta);
        return delta[0];
    }

    /// <summary>
    /// The same bits, or both NaN: which NaN payload survives an operation on two NaNs depends on operand order, which
    /// the JIT may commute for + and *; no other result does.
    /// </summary>
    private static bool Same(double x, double y) =>
        BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y) || (double.IsNaN(x) && double.IsNaN(y));
}
