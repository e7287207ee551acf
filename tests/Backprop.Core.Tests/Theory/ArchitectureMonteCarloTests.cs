using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

/// <summary>
/// <see cref="ArchitectureTheory"/> against direct simulations of random networks of width 2000 (<see cref="WideRandomNetwork"/>).
/// </summary>
/// <remarks>
/// Tolerances: one network of width N estimates a mean square over units with relative spread sqrt(2/N) = 3.2% per layer, and
/// the errors add up along the layers (a small batch helps little: deep representations of different inputs are correlated).
/// Over 6 seeds per configuration, the sd of ln(measured/predicted) for one network was at most 0.03 for p_b and q and at most
/// 0.03 for the bottom gradient without a norm, 0.095 with layernorm (8 layers). The tests average 3 or 4 networks and allow
/// 4 to 5 of those sds. The finite-width bias is smaller: the layernorm projection removes 2 of N directions, a factor
/// (N - 2)/N = 0.999 per layer.
/// </remarks>
[Trait("Category", "Slow")]
public sealed class ArchitectureMonteCarloTests
{
    private const int Width = 2000;

    [Fact]
    public void Reduced_tanh_resnet_stream_moments_and_gradients_match_the_simulation()
    {
        // Yang and Schoenholz's reduced residual network x_(b+1) = x_b + tanh(W x_b + b): k = 1, alpha = 1, 10 blocks.
        var (p, m) = Compare(Activation.Tanh, 1, 0.05, 11, MeanFieldArchitecture.Residual(1, 1), batch: 4, seeds: 3);
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            AssertClose(p.Blocks[b].InputMeanSquare, m.StreamMeanSquare[b], 0.06, $"p_{b + 1}");
            AssertClose(p.Blocks[b].InputGradient, m.StreamGradient[b], 0.08, $"E||dJ/dx_{b + 1}||^2");
            // tanh is odd: mu stays 0; one unit-average of x has sd sqrt(p/N), 0.022 sqrt(p), before averaging over networks.
            Assert.True(Math.Abs(m.StreamMean[b]) < 0.05 * Math.Sqrt(m.StreamMeanSquare[b]), $"mu_{b + 1} = {m.StreamMean[b]}");
        }
        // The gradient grows 23-fold over 10 blocks where a plain tanh net at sigma_w^2 = 1 (chi1 < 1) would shrink it.
        Assert.InRange(p.Layers[0].OutputGradient, 20, 26);
    }

    [Fact]
    public void Relu_resnet_needs_the_mean_cross_term_and_matches_the_simulation()
    {
        const double sw2 = 2, sb2 = 0.1, alpha = 0.5;
        var (p, m) = Compare(Activation.Relu, sw2, sb2, 9, MeanFieldArchitecture.Residual(2, alpha), batch: 4, seeds: 3);
        double withoutCross = p.Blocks[0].InputMeanSquare;
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            AssertClose(p.Blocks[b].OutputMeanSquare, m.StreamMeanSquare[b + 1], 0.1, $"p_{b + 2}");
            AssertClose(p.Blocks[b].OutputMean, m.StreamMean[b + 1], 0.1, $"mu_{b + 2}");
            AssertClose(p.Blocks[b].InputGradient, m.StreamGradient[b], 0.08, $"E||dJ/dx_{b + 1}||^2");
            // (R4) without 2 alpha mu_b E[phi(h_k)]: relu's branch output has mean sqrt(q/2 pi), so the term is large.
            double qk = sw2 * (sw2 * withoutCross + sb2) / 2 + sb2;
            withoutCross += alpha * alpha * qk / 2;
        }
        Assert.True(Math.Log(m.StreamMeanSquare[^1] / withoutCross) > 0.3, "the cross term is needed to match the simulation");
    }

    [Fact]
    public void Tanh_resnet_branch_layers_match_the_simulation_layer_by_layer()
    {
        var (p, m) = Compare(Activation.Tanh, 1.5, 0, 9, MeanFieldArchitecture.Residual(2, 1), batch: 4, seeds: 3);
        for (int l = 0; l < 9; l++)
        {
            AssertClose(p.Layers[l].Q, m.Q[l], 0.08, $"q of layer {l + 1}");
            AssertClose(p.Layers[l].OutputGradient, m.OutputGradient[l], 0.1, $"output gradient of layer {l + 1}");
            AssertClose(p.Layers[l].PreActivationGradient, m.PreActivationGradient[l], 0.12, $"delta of layer {l + 1}");
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4.0)]
    public void Layernorm_tanh_gradient_grows_by_chi_LN_per_layer_whatever_sigma_w(double sw2)
    {
        var (p, m) = Compare(Activation.Tanh, sw2, 0, 9, MeanFieldArchitecture.Plain(layerNorm: true), batch: 2, seeds: 4);
        Assert.All(m.Q, q => Assert.Equal(1, q, 1e-4));
        // ln chi_LN = 0.1637 per layer; one network's per-layer mean has sd 0.012, four networks 0.006.
        double perLayer = Math.Log(m.OutputGradient[0]) / 8;
        Assert.Equal(p.LogSlope!.Value, perLayer, 0.025);
    }

    [Fact]
    public void Layernorm_relu_gradient_keeps_its_norm()
    {
        var (p, m) = Compare(Activation.Relu, 2, 0, 9, MeanFieldArchitecture.Plain(layerNorm: true), batch: 2, seeds: 4);
        Assert.Equal(0, p.LogSlope!.Value, 1e-14);
        Assert.Equal(0, Math.Log(m.OutputGradient[0]) / 8, 0.025);
    }

    [Fact]
    public void Layernorm_resnet_pre_form_matches_the_simulation()
    {
        // The norm makes every branch's q about 1; the first branch layer divides by s^2 = sw2 p_b + sb2 + eps (eq. L3).
        var (p, m) = Compare(Activation.Tanh, 1.5, 0, 9, MeanFieldArchitecture.Residual(2, 1, layerNorm: true), batch: 2, seeds: 4);
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            AssertClose(p.Blocks[b].OutputMeanSquare, m.StreamMeanSquare[b + 1], 0.06, $"p_{b + 2}");
            AssertClose(p.Blocks[b].InputGradient, m.StreamGradient[b], 0.15, $"E||dJ/dx_{b + 1}||^2");
        }
    }

    /// <summary>The prediction and the simulation averaged over <paramref name="seeds"/> networks.</summary>
    private static (ArchitecturePrediction Prediction, WideRandomNetwork.Measurement Mean) Compare(
        Activation phi, double sw2, double sb2, int depth, MeanFieldArchitecture architecture, int batch, int seeds)
    {
        ArchitecturePrediction prediction = ArchitectureTheory.Predict(phi, sw2, sb2, depth, architecture);
        var runs = Enumerable.Range(1, seeds)
            .Select(seed => WideRandomNetwork.Run(phi, sw2, sb2, Width, depth, architecture.BlockDepth, architecture.ResidualScale, architecture.LayerNorm, batch, seed))
            .ToArray();
        double[] Mean(Func<WideRandomNetwork.Measurement, double[]> field) =>
            Enumerable.Range(0, field(runs[0]).Length).Select(i => runs.Average(r => field(r)[i])).ToArray();
        var mean = new WideRandomNetwork.Measurement(
            Mean(r => r.Q), Mean(r => r.OutputGradient), Mean(r => r.PreActivationGradient),
            Mean(r => r.StreamMeanSquare), Mean(r => r.StreamMean), Mean(r => r.StreamGradient));
        return (prediction, mean);
    }

    private static void AssertClose(double predicted, double measured, double logTolerance, string what) =>
        Assert.True(Math.Abs(Math.Log(measured / predicted)) <= logTolerance, $"{what}: predicted {predicted}, measured {measured}");
}
