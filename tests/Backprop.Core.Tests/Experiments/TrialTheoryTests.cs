using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Experiments;

public class TrialTheoryTests
{
    [Fact]
    public void Chi1_at_q_star_is_that_of_the_fixed_point_the_first_layer_flows_to()
    {
        // Gaussian inputs (mean square about 1) give q^1 about 3 at sw2 = 3: above gelu's unstable fixed point 0.2473, so q
        // diverges and chi1 tends to sw2/2 = 1.5 (a real network measures about 1.5), not the 0.75 of the q = 0 attractor.
        var config = new TrialConfig { Activation = "gelu", SigmaW2 = 3, Depth = 4, Width = 32, Dataset = "gaussian", Samples = 64, Steps = 0 };
        Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        var (_, chi1Star) = TrialTheory.For(config, data, 1);
        Assert.Equal(1.5, chi1Star);
    }

    [Fact]
    public void The_predicted_jacobian_of_a_plain_net_is_the_product_of_chi1_over_layers_2_to_D()
    {
        var config = new TrialConfig { Activation = "tanh", SigmaW2 = 1.5, SigmaB = 0.1, Depth = 6, Width = 32, Steps = 0 };
        IReadOnlyList<double> q = MeanField.QTrajectory(Activation.Tanh, 1.5, 0.01, 1.5 * 0.8 + 0.01, 6);
        double product = Enumerable.Range(1, 5).Aggregate(1.0, (p, l) => p * MeanField.Chi1At(Activation.Tanh, 1.5, q[l]));
        double? predicted = TrialTheory.JacobianMeanSquared(config, 32, 0.8);
        Assert.NotNull(predicted);
        Assert.Equal(product, predicted.Value, 1e-12 * product);
    }

    /// <summary>
    /// The prediction against the exact spectrum of a width-256 net at its dataset's first two inputs: each layer's factor
    /// is an average over N units (spread about 5% at N = 256), so over 8 layers the measurement wanders by some 15%; a
    /// 30% bound is still far below the factors between the shapes (plain tanh at sigma_w^2 = 0.7 vanishes to about 0.1,
    /// the residual nets grow to 3 and more).
    /// </summary>
    [Theory]
    [InlineData("plain", "none", "tanh", 0.7)]
    [InlineData("plain", "layernorm", "tanh", 1.0)]
    [InlineData("residual", "none", "relu", 1.0)]
    [InlineData("residual", "layernorm", "tanh", 1.0)]
    public void The_predicted_jacobian_is_near_the_measured_mean_squared_singular_value(string architecture, string norm, string activation, double sw2)
    {
        var config = new TrialConfig
        {
            Architecture = architecture, Norm = norm, Activation = activation, SigmaW2 = sw2, SigmaB = 0.1, Depth = 9, Width = 256,
            Steps = 0, Seed = 3, Jacobian = JacobianMode.Exact,
        };
        Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        double measured = TrialRunner.Run(config).Summary!.JacobianInit!.MeanSquared;
        // The two inputs the spectrum pools set q^1, not the whole dataset's mean square.
        double meanSquare = data.Inputs.AsSpan(0, 2 * data.InputSize).ToArray().Average(v => v * v);
        double? predicted = TrialTheory.JacobianMeanSquared(config, data.InputSize, meanSquare);
        Assert.NotNull(predicted);
        Assert.InRange(measured / predicted.Value, 0.7, 1.3);
    }

    [Fact]
    public void Gaussian_weights_keep_the_prediction_for_unequal_widths_and_fan_dependent_initialisers_have_none()
    {
        var uniform = new TrialConfig { Activation = "tanh", SigmaW2 = 1.5, Depth = 4, Width = 32, Dataset = "teacher", Samples = 64, Steps = 0 };
        TrialConfig unequal = uniform with { Widths = [32, 64, 16, 8] };
        Dataset data = Datasets.Create(uniform.Dataset, uniform.Samples, uniform.Width, uniform.InputDim, uniform.Seed);
        Assert.Equal(TrialTheory.For(uniform, data, 1), TrialTheory.For(unequal, data, 1));
        Assert.NotNull(TrialTheory.For(unequal, data, 1).Slope);
        Assert.Equal(TrialTheory.JacobianMeanSquared(uniform, 16, 1), TrialTheory.JacobianMeanSquared(unequal, 16, 1));
        foreach (string init in new[] { "xavier_normal", "orthogonal" })
        {
            Assert.Equal((null, null), TrialTheory.For(unequal with { Init = init }, data, 1));
            Assert.Null(TrialTheory.JacobianMeanSquared(unequal with { Init = init }, 16, 1));
            // The same initialiser at equal widths, even given as a list, keeps its prediction.
            Assert.NotNull(TrialTheory.For(uniform with { Init = init, Widths = [32, 32, 32, 32] }, data, 1).Slope);
        }
        // He's effective sigma_w^2 is 2 whatever the fans.
        Assert.NotNull(TrialTheory.For(unequal with { Init = "he_normal" }, data, 1).Slope);
    }

    [Fact]
    public void There_is_no_predicted_jacobian_for_the_post_form_or_a_single_layer()
    {
        Assert.Null(TrialTheory.JacobianMeanSquared(new TrialConfig { Architecture = "residual", BlockForm = "post", Depth = 5 }, 8, 1));
        Assert.Null(TrialTheory.JacobianMeanSquared(new TrialConfig { Depth = 1 }, 8, 1));
    }
}
