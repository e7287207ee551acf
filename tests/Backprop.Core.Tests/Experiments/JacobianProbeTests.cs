using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Experiments;

public class JacobianProbeTests
{
    private static readonly TrialConfig Small = new()
    {
        Depth = 4, Width = 5, Activation = "tanh", SigmaW2 = 1.5, SigmaB = 0.3, Dataset = "teacher", Samples = 32, BatchSize = 3, Steps = 6, RecordEvery = 3,
    };

    /// <summary>x_D from x_1 by hand (z = W x + b, a = phi(z) for hidden layers 2..D): the map J differentiates.</summary>
    private static double[] Top(Mlp network, int depth, double[] x1)
    {
        double[] a = x1;
        for (int l = 1; l < depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            var next = new double[layer.OutputSize];
            for (int j = 0; j < layer.OutputSize; j++)
            {
                double z = layer.Biases[j];
                for (int k = 0; k < layer.InputSize; k++)
                {
                    z += layer[j, k] * a[k];
                }
                next[j] = layer.Activation.Apply(z);
            }
            a = next;
        }
        return a;
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2)] // chunks of 2, 2 and 1 rows
    public void Rows_of_the_jacobian_equal_central_differences_of_the_last_hidden_layer_in_the_first(int chunk)
    {
        Dataset data = Datasets.Create(Small.Dataset, Small.Samples, Small.Width, Small.InputDim, Small.Seed);
        Mlp network = TrialRunner.BuildNetwork(Small, data);
        double[] x = data.Inputs[..data.InputSize];
        double[] x1 = network.Forward(x, 1).Length > 0 ? network.Layers[0].Output.ToArray() : [];
        int n = Small.Width;
        var j = new double[n * n];
        JacobianProbe.Rows(network, 0, Small.Depth - 1, x, chunk, j);
        const double h = 1e-6;
        for (int k = 0; k < n; k++)
        {
            double[] plus = (double[])x1.Clone(), minus = (double[])x1.Clone();
            plus[k] += h;
            minus[k] -= h;
            double[] up = Top(network, Small.Depth, plus), down = Top(network, Small.Depth, minus);
            for (int i = 0; i < n; i++)
            {
                // Central differences are good to about h^2 |third derivative| + eps/h: 1e-9 here.
                Assert.Equal((up[i] - down[i]) / (2 * h), j[i * n + k], 8);
            }
        }
    }

    [Fact]
    public void Measuring_the_spectrum_changes_neither_the_weights_nor_the_training()
    {
        TrialResult on = TrialRunner.Run(Small), off = TrialRunner.Run(Small with { Jacobian = JacobianMode.Off });
        Assert.NotNull(on.Summary!.JacobianInit);
        Assert.NotNull(on.Summary.JacobianFinal);
        Assert.Null(off.Summary!.JacobianInit);
        string Training(TrialResult r) => ResultFormat.ToJsonLine(r with
        {
            Key = "", Config = new TrialConfig(), Seconds = 0, Summary = r.Summary! with { JacobianInit = null, JacobianFinal = null },
        });
        Assert.Equal(Training(off), Training(on));
    }

    [Fact]
    public void The_option_is_left_out_of_the_key_and_the_stored_config_at_its_default()
    {
        Assert.DoesNotContain("jacobian", Small.Canonical(), StringComparison.Ordinal);
        Assert.Equal("depth=4;", Small.Canonical()[..8]);
        Assert.EndsWith(";seed=0;jacobian=off;", (Small with { Jacobian = JacobianMode.Off }).Canonical(), StringComparison.Ordinal);
        Assert.NotEqual(Small.Key(), (Small with { Jacobian = JacobianMode.Exact }).Key());
        string line = ResultFormat.ToJsonLine(TrialRunner.Run(Small with { Steps = 0 }));
        Assert.DoesNotContain("\"jacobian\"", line, StringComparison.Ordinal);
        Assert.Contains("\"jacobian_init\":{\"method\":\"exact\",\"inputs\":2,\"size\":5,", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mean-field theory: E (1/N)||J||_F^2 = prod over l = 2..D of chi1(q^l), q^l along the length map from the data's q^1.
    /// At N = 256 each layer's factor, (1/N) sum_j phi'(z_j)^2 times the squared norm W gives a direction, is an average
    /// over N units with relative spread about sqrt(Var(phi'^2) / N) &lt; 0.05 (phi'^2 in [0, 1]), so over 9 layers the
    /// product wanders by about sqrt(9) x 0.05 = 15% at one input and about 10% pooled over two; finite-width corrections
    /// are O(1/N). A 25% bound is 2.5 such deviations and still far below the factor 1.5^9 = 38 between the regimes.
    /// </summary>
    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(1.5, 0.05)]
    public void The_mean_squared_singular_value_of_a_wide_tanh_net_is_the_product_of_chi1_over_layers_2_to_D(double sw2, double sb)
    {
        var config = new TrialConfig { Depth = 10, Width = 256, Activation = "tanh", SigmaW2 = sw2, SigmaB = sb, Steps = 0, Seed = 7 };
        Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        JacobianSpectrum measured = TrialRunner.Run(config).Summary!.JacobianInit!;
        // The two inputs the trial pools are the dataset's first two examples: their own q^1.
        double predicted = 0;
        for (int e = 0; e < measured.Inputs; e++)
        {
            double q1 = sw2 * data.Inputs.AsSpan(e * data.InputSize, data.InputSize).ToArray().Average(v => v * v) + sb * sb;
            IReadOnlyList<double> q = MeanField.QTrajectory(Activation.Tanh, sw2, sb * sb, q1, config.Depth);
            double product = 1;
            for (int l = 1; l < config.Depth; l++)
            {
                product *= MeanField.Chi1At(Activation.Tanh, sw2, q[l]);
            }
            predicted += product / measured.Inputs;
        }
        Assert.Equal(JacobianMethod.Exact, measured.Method);
        Assert.InRange(measured.MeanSquared / predicted, 0.75, 1.25);
    }

    /// <summary>Saxe et al. 2014: a deep linear net with orthogonal weights is an isometry, J = W_D ... W_2 orthogonal.</summary>
    [Fact]
    public void A_deep_linear_net_with_orthogonal_weights_has_every_singular_value_one()
    {
        var config = new TrialConfig { Depth = 32, Width = 64, Activation = "identity", Init = "orthogonal", Steps = 0 };
        JacobianSpectrum s = TrialRunner.Run(config).Summary!.JacobianInit!;
        Assert.InRange(s.Max - 1, -1e-12, 1e-12);
        Assert.InRange(s.Min - 1, -1e-12, 1e-12);
        Assert.InRange(s.MeanSquared - 1, -1e-12, 1e-12);
        Assert.True(s.Std < 1e-12, $"std {s.Std}");
    }

    /// <summary>
    /// Pennington et al. 2017: with orthogonal weights at criticality and the input at the fixed point q*, tanh with a small
    /// q* (sigma_w^2 = 1, sigma_b^2 = 1e-4: q* = 0.007) reaches dynamical isometry, its spectrum concentrated near 1, while
    /// relu (sigma_w^2 = 2) cannot: relu's J has zero rows for the units it switches off, so about half its singular values
    /// are 0 and Var(sigma^2)/E[sigma^2]^2 is at least 1 whatever the depth; tanh's grows only as q* times the depth.
    /// </summary>
    [Theory]
    [InlineData("tanh", 1.0, false)]
    [InlineData("relu", 2.0, true)]
    public void Orthogonal_tanh_at_small_q_is_near_isometric_and_orthogonal_relu_is_not(string activation, double sw2, bool spread)
    {
        const double sb2 = 1e-4;
        var config = new TrialConfig { Depth = 32, Width = 256, Activation = activation, Init = "orthogonal", Gain = Math.Sqrt(sw2), SigmaB = Math.Sqrt(sb2) };
        Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        Mlp network = TrialRunner.BuildNetwork(config, data);
        double qStar = MeanField.FixedPoint(Activation.Tanh, 1.0, sb2);
        double[] x = data.Inputs[..data.InputSize];
        double scale = Math.Sqrt((qStar - sb2) / sw2 / x.Average(v => v * v)); // q^1 = sw2 mean(x^2) + sb2 = q*
        x = x.Select(v => v * scale).ToArray();
        JacobianSpectrum s = JacobianProbe.Exact(network, 0, config.Depth - 1, x, 1, 64, new HistogramCounter());
        if (spread)
        {
            Assert.True(s.RelativeVariance > 1 && s.Max / Math.Sqrt(s.MeanSquared) > 2, $"{activation} {s}");
        }
        else
        {
            Assert.True(s.RelativeVariance < 0.1 && s.Max / Math.Sqrt(s.MeanSquared) < 1.3 && s.Min > 0.5, $"{activation} {s}");
        }
    }

    [Fact]
    public void The_estimate_is_unbiased_for_the_mean_squared_singular_value_and_bounds_the_largest_from_below()
    {
        var exact = new TrialConfig { Depth = 6, Width = 128, Activation = "tanh", SigmaW2 = 2, Steps = 0, BatchSize = 32, Jacobian = JacobianMode.Exact };
        JacobianSpectrum e = TrialRunner.Run(exact).Summary!.JacobianInit!;
        JacobianSpectrum s = TrialRunner.Run(exact with { Jacobian = JacobianMode.Estimate }).Summary!.JacobianInit!;
        Assert.Equal(JacobianMethod.Estimate, s.Method);
        Assert.Equal(32, s.Probes);
        // 32 orthonormal probes of 128 directions: the estimate's relative error is about sqrt(2/32) x the spectrum's spread.
        Assert.InRange(s.MeanSquared / e.MeanSquared, 0.8, 1.25);
        Assert.True(s.Max <= e.Max * (1 + 1e-12) && s.Max > 0.5 * e.Max, $"estimate {s.Max}, exact {e.Max}");
        Assert.True(double.IsNaN(s.Min) && s.SingularHist is null);
    }

    [Theory]
    [InlineData(new[] { 12, 7, 5 })] // N_D < N_1: J J^T has full rank N_D
    [InlineData(new[] { 5, 7, 12 })] // N_D > N_1: N_D - N_1 of its eigenvalues are zero
    public void A_rectangular_jacobians_mean_squared_singular_value_is_its_squared_norm_over_the_top_width(int[] widths)
    {
        TrialConfig config = Small with { Widths = widths, Steps = 0, Jacobian = JacobianMode.Exact };
        Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed, config.TopWidth);
        Mlp network = TrialRunner.BuildNetwork(config, data);
        int top = widths[^1], stem = widths[0];
        double norm = 0;
        var j = new double[top * stem];
        for (int i = 0; i < 2; i++)
        {
            JacobianProbe.Rows(network, 0, widths.Length - 1, data.Inputs.AsSpan(i * data.InputSize, data.InputSize), 3, j);
            norm += j.Sum(v => v * v) / 2;
        }
        JacobianSpectrum s = JacobianProbe.Exact(network, 0, widths.Length - 1, data.Inputs.AsSpan(0, 2 * data.InputSize), 2, 3, new HistogramCounter());
        Assert.Equal(top, s.Size);
        Assert.Equal(norm / top, s.MeanSquared, 1e-12 * norm);
        // The eigenvalues of J J^T: their mean is the same (1/N_D) ||J||_F^2, and a wide top leaves zeros.
        Assert.Equal(2 * top, s.SingularHist!.Total);
        Assert.Equal(top > stem, s.Min < 1e-6 * s.Max);
        JacobianSpectrum e = JacobianProbe.Estimate(network, 0, widths.Length - 1, data.Inputs.AsSpan(0, 2 * data.InputSize), 2, top, new Core.Randomness.Rng(1));
        // As many orthonormal probes as rows: V J has J's Frobenius norm exactly.
        Assert.Equal(s.MeanSquared, e.MeanSquared, 1e-10 * s.MeanSquared);
    }

    [Fact]
    public void Depth_one_has_no_layer_between_and_records_no_spectrum()
    {
        Assert.Null(TrialRunner.Run(Small with { Depth = 1, Steps = 0 }).Summary!.JacobianInit);
    }
}
