using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Theory;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Tests.Analysis;

public class TheoryCurvesTests
{
    [Fact]
    public void Chaotic_branch_of_the_trainable_depth_is_6_xi_c_from_the_correlation_fixed_point()
    {
        // tanh without bias: in the chaotic phase the correlation map's fixed point is c* = 0 (tanh is odd), where
        // chi_c = sw2 E[tanh'(u1)] E[tanh'(u2)] = sw2 E[tanh'(sqrt(q*) z)]^2: a one-dimensional check of the two-dimensional
        // integral. 6 xi_c = -6/ln chi_c, not the gradient scale 6/ln chi1 (about 60 layers against 130 at sw2 = 2).
        var (ordered, chaotic) = TheoryCurves.SixXi(Activation.Tanh, 0, 2, 4.5, points: 2);
        Assert.Empty(ordered);
        Assert.Equal(2, chaotic.Count);
        foreach (var (sw2, depth) in chaotic)
        {
            double q = MeanField.FixedPoint(Activation.Tanh, sw2, 0);
            double mean = GaussianExpectation.Of(u => 1 - Math.Tanh(u) * Math.Tanh(u), Math.Sqrt(q));
            double chiC = sw2 * mean * mean;
            Assert.Equal(-6 / Math.Log(chiC), depth, 1e-9 * depth);
        }
    }

    [Fact]
    public void Ordered_branch_is_6_xi_grad()
    {
        var (ordered, _) = TheoryCurves.SixXi(Activation.Tanh, 0.05, 0.5, 1.5, points: 3);
        Assert.Equal(3, ordered.Count);
        foreach (var (sw2, depth) in ordered)
        {
            Assert.Equal(-6 / Math.Log(MeanField.Predict(Activation.Tanh, sw2, 0.05).Chi1), depth, 1e-12 * depth);
        }
    }

    [Fact]
    public void Critical_line_follows_the_attractor_that_unit_inputs_reach()
    {
        // gelu without bias: q^1 = sw2 flows to q = 0 (chi1 = sw2/4) below the boundary and diverges (chi1 = sw2/2) above it;
        // the boundary is where E[gelu(sqrt(sw2) z)^2] = 1, 2.1549087877506060228 by mpmath (not 4, where q = 0 turns unstable).
        Assert.Equal(2.15490878775060602, TheoryCurves.CriticalSw2(Activation.Gelu, 0)!.Value, 1e-14);
    }

    [Fact]
    public void A_groups_critical_line_uses_the_mean_square_of_its_trials_inputs()
    {
        ActivationGroup gelu = ActivationGroup.From(Support.Fixtures.Synthetic(["gelu"], [4, 8], [1, 2, 4])).Single();
        TrialConfig config = gelu.Trials[0].Config;
        double q0 = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed).Inputs.Average(x => x * x);
        Assert.Equal(q0, TheoryCurves.InputMeanSquare(gelu), 1e-15);
        Assert.Equal(CriticalLine.CriticalSw2(Activation.Gelu, 0, q0), TheoryCurves.CriticalSw2(gelu));
    }
}
