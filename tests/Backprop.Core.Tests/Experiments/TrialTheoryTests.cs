using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;

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
}
