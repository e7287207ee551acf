using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class ArchitectureTheoryTests
{
    [Fact]
    public void Plain_network_follows_the_length_map_and_chi1_of_the_layer_above()
    {
        ArchitecturePrediction p = ArchitectureTheory.Predict(Activation.Tanh, 1.5, 0.05, 6, MeanFieldArchitecture.Plain());
        IReadOnlyList<double> q = MeanField.QTrajectory(Activation.Tanh, 1.5, 0.05, 1.55, 6);
        double output = 1;
        for (int l = 5; l >= 0; l--)
        {
            Assert.Equal(q[l], p.Layers[l].Q, 1e-13);
            Assert.Equal(output, p.Layers[l].OutputGradient, 1e-13 * output);
            // delta_l = phi'(h_l) dJ/da_l, so E||delta_l||^2 = E[phi'^2] E||dJ/da_l||^2; dJ/da_(l-1) = W_l^T delta_l adds sw2.
            Assert.Equal(output * MeanField.Chi1At(Activation.Tanh, 1, q[l]), p.Layers[l].PreActivationGradient, 1e-13 * output);
            output *= MeanField.Chi1At(Activation.Tanh, 1.5, q[l]);
        }
        Assert.Empty(p.Blocks);
        Assert.Equal(Math.Log(MeanField.Predict(Activation.Tanh, 1.5, 0.05).Chi1), p.LogSlope!.Value, 1e-15);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void Layernorm_fixes_q_near_1_and_chi_without_bias_does_not_depend_on_sigma_w(double sw2)
    {
        // chi_LN = E[tanh'(u)^2] / E[tanh(u)^2], u ~ N(0, 1) (eq. L3 at eps -> 0), by independent Simpson quadrature: 1.17780723.
        double tanhRatio = Reference.Expectation(u => Math.Pow(1 - Math.Tanh(u) * Math.Tanh(u), 2), 1) / Reference.Expectation(u => Math.Tanh(u) * Math.Tanh(u), 1);
        Assert.Equal(1.1778072323, tanhRatio, 1e-9);
        ArchitecturePrediction tanh = ArchitectureTheory.Predict(Activation.Tanh, sw2, 0, 30, MeanFieldArchitecture.Plain(layerNorm: true));
        // eps = 1e-5 against var z = sw2 E[tanh^2] ~ 0.39 sw2 moves q and chi by about eps / var: 5e-5 at sw2 = 0.5.
        Assert.All(tanh.Layers, layer => Assert.Equal(1, layer.Q, 1e-4));
        Assert.Equal(tanhRatio, Math.Exp(tanh.LogSlope!.Value), 1e-4);
        // The profile is geometric but for the first layers, whose q moves by eps/var on the way to the fixed point.
        Assert.Equal(Math.Pow(Math.Exp(tanh.LogSlope.Value), 29), tanh.Layers[0].OutputGradient, 1e-4 * tanh.Layers[0].OutputGradient);

        // relu: sw2/2 over sw2 q/2 + eps, and q = v/(v + eps), make chi exactly 1 at the fixed point even with eps.
        ArchitecturePrediction relu = ArchitectureTheory.Predict(Activation.Relu, sw2, 0, 30, MeanFieldArchitecture.Plain(layerNorm: true));
        Assert.Equal(0, relu.LogSlope!.Value, 1e-14);
    }

    [Fact]
    public void Layernorm_with_bias_lowers_chi_by_the_bias_share_of_the_variance()
    {
        ArchitecturePrediction p = ArchitectureTheory.Predict(Activation.Relu, 2, 1, 20, MeanFieldArchitecture.Plain(layerNorm: true));
        // chi_LN = sw2 / 2 / (sw2 / 2 + sb2) = 1/2 at sw2 = 2, sb2 = 1 (up to eps = 1e-5).
        Assert.Equal(Math.Log(0.5), p.LogSlope!.Value, 1e-4);
    }

    [Theory]
    [InlineData(1, 1.0, 0.0)]
    [InlineData(2, 0.5, 0.1)]
    [InlineData(3, 0.3, 0.2)]
    public void Relu_residual_blocks_follow_the_closed_form_moments_and_a_constant_block_factor(int k, double alpha, double sb2)
    {
        const double sw2 = 2;
        int blocks = 4, depth = 1 + blocks * k;
        ArchitecturePrediction p = ArchitectureTheory.Predict(Activation.Relu, sw2, sb2, depth, MeanFieldArchitecture.Residual(k, alpha));
        // Stem with unit inputs: q = sw2 + sb2, E[relu] = sqrt(q / 2 pi), E[relu^2] = q / 2.
        double q = sw2 + sb2, mu = Math.Sqrt(q / (2 * Math.PI)), pb = q / 2;
        for (int b = 0; b < blocks; b++)
        {
            Assert.Equal(pb, p.Blocks[b].InputMeanSquare, 1e-12 * pb);
            Assert.Equal(mu, p.Blocks[b].InputMean, 1e-12 * mu);
            double qi = sw2 * pb + sb2; // (R1)
            for (int i = 1; i < k; i++)
            {
                qi = sw2 * qi / 2 + sb2; // (R2)
            }
            double m1 = Math.Sqrt(qi / (2 * Math.PI));
            pb += 2 * alpha * mu * m1 + alpha * alpha * qi / 2; // (R4)
            mu += alpha * m1; // (R3)
            Assert.Equal(1 + alpha * alpha * Math.Pow(sw2 / 2, k), p.Blocks[b].Factor, 1e-14); // (R5)
        }
        Assert.Equal(Math.Log(1 + alpha * alpha) / k, p.LogSlope!.Value, 1e-14);
        Assert.Equal(Math.Pow(1 + alpha * alpha, blocks), p.Layers[0].OutputGradient, 1e-12);
    }

    [Fact]
    public void Branch_layers_see_alpha_squared_of_the_stream_gradient_carried_back_by_chi1()
    {
        // relu, sw2 = 2: chi1 = 1 in the branch, so every branch layer's output gradient is alpha^2 E||g||^2 except the last
        // (its output is the stream x_(b+1), E||g||^2 itself); its delta is E[relu'^2] = 1/2 of that.
        ArchitecturePrediction p = ArchitectureTheory.Predict(Activation.Relu, 2, 0, 7, MeanFieldArchitecture.Residual(3, 0.5));
        LayerPrediction[] top = p.Layers.Where(l => l.Block == 2).ToArray();
        Assert.Equal([1, 0.25, 0.25], top.Reverse().Select(l => l.OutputGradient));
        Assert.Equal([0.125, 0.125, 0.125], top.Select(l => l.PreActivationGradient));
        Assert.Equal(1.25, p.Blocks[1].InputGradient, 1e-15);
        Assert.Equal(1.25, p.Layers[3].OutputGradient, 1e-15);
    }

    [Fact]
    public void Reduced_tanh_resnet_gradient_grows_like_exp_of_sqrt_depth_not_exponentially()
    {
        // Yang and Schoenholz 2017 (reduced residual network, alpha = 1): p_b grows linearly and ln E||g||^2 like sqrt(blocks).
        // Here: E[tanh^2] -> 1 so p_b ~ b, chi_1(q) ~ (4/3) sw2 / sqrt(2 pi q) (the integral of sech^4 is 4/3), so
        // ln E||dJ/dx_1||^2 ~ sum_b (4/3) / sqrt(2 pi b) ~ (8/3) sqrt(L / 2 pi) at sw2 = 1.
        ArchitecturePrediction quarter = ArchitectureTheory.Predict(Activation.Tanh, 1, 0, 2501, MeanFieldArchitecture.Residual(1, 1));
        ArchitecturePrediction full = ArchitectureTheory.Predict(Activation.Tanh, 1, 0, 10001, MeanFieldArchitecture.Residual(1, 1));
        Assert.Null(full.LogSlope);
        Assert.Contains("not linear in depth", full.NoSlopeReason);
        Assert.Equal(1, full.Blocks[^1].OutputMeanSquare / 10000, 0.02);
        double c = 8.0 / 3.0 / Math.Sqrt(2 * Math.PI);
        double growth = Math.Log(full.Layers[0].OutputGradient) - Math.Log(quarter.Layers[0].OutputGradient);
        // The next terms (p_b = b - O(sqrt b), the q^(-3/2) term of chi_1) are O(ln L): 0.8% of the difference here.
        Assert.Equal(c * (Math.Sqrt(10000) - Math.Sqrt(2500)), growth, 0.02 * growth);
        // Exponential growth would keep the block factor; here ln chi_block halves when the depth quadruples.
        Assert.Equal(0.5, Math.Log(full.Blocks[^1].Factor) / Math.Log(quarter.Blocks[^1].Factor), 0.02);
    }

    [Fact]
    public void Post_form_has_no_closed_form_and_says_why()
    {
        ArchitecturePrediction p = ArchitectureTheory.Predict(Activation.Tanh, 1, 0, 5, MeanFieldArchitecture.Residual(2, 1, postForm: true));
        Assert.False(p.HasClosedForm);
        Assert.Equal(ArchitectureTheory.PostFormReason, p.NoClosedForm);
        Assert.Empty(p.Layers);
        Assert.Null(p.LogSlope);
    }

    [Fact]
    public void Residual_depth_must_be_a_stem_plus_whole_blocks()
    {
        var error = Assert.Throws<ArgumentException>(() => ArchitectureTheory.Predict(Activation.Tanh, 1, 0, 6, MeanFieldArchitecture.Residual(2, 1)));
        Assert.Contains("depth - 1 = 5 must be a multiple of 2", error.Message);
    }

    [Theory]
    [InlineData("0.5", 16, 0.5)]
    [InlineData("1/sqrt(L)", 16, 0.25)]
    [InlineData("2/sqrt(L)", 16, 0.5)]
    [InlineData("1/L", 16, 0.0625)]
    [InlineData("3 / L", 4, 0.75)]
    public void Residual_scale_text_resolves_against_the_block_count(string text, int blocks, double expected)
    {
        Assert.True(MeanFieldArchitecture.TryParseResidualScale(text, blocks, out double alpha, out string error), error);
        Assert.Equal(expected, alpha, 1e-15);
    }

    [Theory]
    [InlineData("x/L", 4, "is not a number >= 0")]
    [InlineData("-1", 4, "is not a number >= 0")]
    public void Bad_residual_scale_text_says_what_is_expected(string text, int blocks, string message)
    {
        Assert.False(MeanFieldArchitecture.TryParseResidualScale(text, blocks, out _, out string error));
        Assert.Contains(message, error);
    }
}
