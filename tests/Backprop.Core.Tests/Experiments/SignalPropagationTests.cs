using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>
/// The acceptance facts of signal-propagation theory, measured through the real trial runner at initialisation
/// (steps = 0) on the Gaussian setting: inputs x ~ N(0, I), a fixed random cotangent at the last layer, and
/// mean E||delta_l||^2 per layer. Every seed is fixed; every tolerance is justified where it is used.
/// </summary>
public class SignalPropagationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The per-layer E||delta_l||^2 profile at initialisation, for each seed.</summary>
    internal static double[][] Profiles(string activation, double sw2, int depth, int width, int batch, int seeds, double sigmaB = 0, ulong firstSeed = 0)
    {
        var profiles = new double[seeds][];
        for (int s = 0; s < seeds; s++)
        {
            var config = new TrialConfig
            {
                Activation = activation, SigmaW2 = sw2, SigmaB = sigmaB, Depth = depth, Width = width,
                Dataset = "gaussian", Samples = batch, BatchSize = batch, Steps = 0, Seed = firstSeed + (ulong)s,
                Jacobian = JacobianMode.Off, // the error profiles only: many wide trials
            };
            profiles[s] = TrialRunner.Run(config).Summary!.DeltaSqInit.ToArray();
        }
        return profiles;
    }

    /// <summary>The profile of E||delta_l||^2 averaged over seeds (the expectation theory speaks of).</summary>
    internal static double[] MeanProfile(double[][] profiles) =>
        Enumerable.Range(0, profiles[0].Length).Select(l => profiles.Average(p => p[l])).ToArray();

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.0)]
    [InlineData(1.2)]
    public void Linear_networks_follow_sigma_w_squared_to_the_power_L_minus_l_within_3_standard_errors(double sw2)
    {
        // Exact in expectation: for a linear layer E[||W^T d||^2 | d] = sw2 ||d||^2 when W ~ N(0, sw2/N) is
        // independent of d, and the cotangent d = delta_L is fixed, so E[ratio_l] = sw2^(L - l) with no
        // finite-width correction. 24 seeds of 4 examples; checked at four depths of the profile (12 comparisons
        // in the theory, so a 3-s.e. band fails by chance with probability about 3% in all, with these seeds it passes).
        const int depth = 50, width = 256;
        double[][] profiles = Profiles("identity", sw2, depth, width, batch: 4, seeds: 24);
        foreach (int l in new[] { 1, 13, 25, 38 })
        {
            double[] ratios = profiles.Select(p => p[l - 1] / p[depth - 1]).ToArray();
            double mean = ratios.Average();
            double se = Math.Sqrt(ratios.Sum(r => (r - mean) * (r - mean)) / (ratios.Length - 1) / ratios.Length);
            double expected = Math.Pow(sw2, depth - l);
            output.WriteLine($"linear sw2 = {sw2}, layer {l}: mean ratio {mean:G5}, theory {expected:G5}, s.e. {se:G3} ({(mean - expected) / se:F2} s.e.)");
            Assert.True(Math.Abs(mean - expected) <= 3 * se,
                $"sw2 {sw2}, layer {l}: mean ratio {mean:G6}, theory {expected:G6}, standard error {se:G3}");
        }
    }

    [Fact]
    public void Relu_with_he_scale_neither_vanishes_nor_explodes()
    {
        // chi1 = sw2 / 2 = 1 at sw2 = 2. The finite-width correction per layer is O(1/N) ~ 0.004 at N = 256 and the
        // statistical error of the fitted slope over 25 layers, 8 seeds of 16 examples is about 0.002: 0.02 is
        // well clear of both and far below any real change in chi1.
        double[] profile = MeanProfile(Profiles("relu", 2.0, depth: 30, width: 256, batch: 16, seeds: 8));
        double slope = ChiFit.LogSlope(profile, 6, 30)!.Value;
        output.WriteLine($"relu sw2 = 2: slope {slope:F5}");
        Assert.True(Math.Abs(slope) < 0.02, $"relu at sw2 = 2: per-layer log slope {slope}");
    }

    [Fact]
    public void Relu_at_unit_scale_halves_the_error_every_layer()
    {
        // chi1 = 1/2: slope ln(1/2) = -0.693 within 0.03 (same error budget as above).
        double[] profile = MeanProfile(Profiles("relu", 1.0, depth: 30, width: 256, batch: 16, seeds: 8));
        double slope = ChiFit.LogSlope(profile, 6, 30)!.Value;
        output.WriteLine($"relu sw2 = 1: slope {slope:F5}, theory {Math.Log(0.5):F5}");
        Assert.True(Math.Abs(slope - Math.Log(0.5)) < 0.03, $"relu at sw2 = 1: slope {slope}, theory {Math.Log(0.5)}");
    }

    [Theory]
    [InlineData(0.5, 0.5)]        // q* = 0 for sw2 <= 1 at sigma_b = 0: chi1 = sw2 tanh'(0)^2 = 0.5
    [InlineData(2.0, double.NaN)] // chaotic phase: chi1 from the mean-field fixed point, computed below
    public void Tanh_slopes_have_the_predicted_sign_and_value(double sw2, double chi1)
    {
        if (double.IsNaN(chi1))
        {
            chi1 = TanhChi1AtFixedPoint(sw2);
        }
        // Width 512 and layers 6..20 only: q^l approaches q* geometrically, so the first five layers are skipped.
        double[] profile = MeanProfile(Profiles("tanh", sw2, depth: 20, width: 512, batch: 8, seeds: 6));
        double slope = ChiFit.LogSlope(profile, 6, 20)!.Value;
        output.WriteLine($"tanh sw2 = {sw2}: slope {slope:F5}, ln chi1 {Math.Log(chi1):F5}");
        Assert.Equal(Math.Sign(Math.Log(chi1)), Math.Sign(slope));
        Assert.True(Math.Abs(slope - Math.Log(chi1)) < 0.02, $"tanh at sw2 = {sw2}: slope {slope}, ln chi1 = {Math.Log(chi1)}");
    }

    [Fact]
    public void Sigmoid_at_unit_scale_vanishes_about_2_89_per_layer()
    {
        // chi1 = E[sigmoid'(sqrt(q*) z)^2] = 0.0557 at sw2 = 1, sb = 0 (sigmoid' <= 1/4, so chi1 <= 1/16):
        // ln chi1 = -2.89. 0.05 allows the O(1/N) finite-width bias at N = 512 over 9 fitted layers.
        double[] profile = MeanProfile(Profiles("sigmoid", 1.0, depth: 12, width: 512, batch: 8, seeds: 4));
        double slope = ChiFit.LogSlope(profile, 4, 12)!.Value;
        output.WriteLine($"sigmoid sw2 = 1: slope {slope:F5}, theory {Math.Log(0.0557):F5}");
        Assert.True(Math.Abs(slope - Math.Log(0.0557)) < 0.05, $"sigmoid at sw2 = 1: slope {slope}, theory {Math.Log(0.0557)}");
    }

    /// <summary>
    /// An independent brute-force mean-field computation for tanh (trapezoid rule on a fine grid), kept apart
    /// from Backprop.Core.Theory so the test does not grade the library with itself.
    /// </summary>
    private static double TanhChi1AtFixedPoint(double sw2)
    {
        static double Gauss(Func<double, double> f)
        {
            const int n = 40001;
            const double lo = -10, hi = 10;
            double h = (hi - lo) / (n - 1), sum = 0;
            for (int i = 0; i < n; i++)
            {
                double z = lo + i * h;
                double w = (i == 0 || i == n - 1) ? 0.5 : 1.0;
                sum += w * f(z) * Math.Exp(-z * z / 2);
            }
            return sum * h / Math.Sqrt(2 * Math.PI);
        }
        double q = 1.0;
        for (int i = 0; i < 500; i++)
        {
            double qq = q;
            q = sw2 * Gauss(z => Math.Pow(Math.Tanh(Math.Sqrt(qq) * z), 2));
        }
        double qStar = q;
        return sw2 * Gauss(z => Math.Pow(1 - Math.Pow(Math.Tanh(Math.Sqrt(qStar) * z), 2), 2));
    }
}
