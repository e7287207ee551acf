using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

public class TrialCostTests
{
    private static readonly TrialConfig Base = new() { Depth = 3, Width = 8, Dataset = "teacher", InputDim = 5, Samples = 100, BatchSize = 10, Steps = 7 };

    [Fact]
    public void The_cost_of_a_small_network_is_the_hand_count()
    {
        // Layers 5->8, 8->8, 8->8 and the readout 8->1: weights 40 + 64 + 64 + 8 = 176, units 8 + 8 + 8 + 1 = 25.
        // Per step and example 3 * 176 + 25 = 553; times batch 10 and 7 steps: 38,710.
        Assert.Equal(38_710, TrialCost.MultiplyAdds(Base));
    }

    [Fact]
    public void The_gaussian_dataset_has_no_readout_and_a_batch_is_at_most_the_data_set()
    {
        // Input = width for gaussian: layers 8->8 three times, 192 weights, 24 units; batch 10 of 4 samples is 4.
        var gaussian = Base with { Dataset = "gaussian", Samples = 4 };
        Assert.Equal(7 * 4 * (3 * 192 + 24), TrialCost.MultiplyAdds(gaussian));
    }

    [Theory]
    [InlineData("depth")]
    [InlineData("width")]
    [InlineData("steps")]
    [InlineData("batch")]
    public void The_cost_grows_with_depth_width_steps_and_batch(string axis)
    {
        double previous = 0;
        foreach (int n in new[] { 1, 2, 3, 5, 8, 13, 64 })
        {
            TrialConfig c = axis switch
            {
                "depth" => Base with { Depth = n },
                "width" => Base with { Width = n },
                "steps" => Base with { Steps = n },
                _ => Base with { BatchSize = n },
            };
            double cost = TrialCost.MultiplyAdds(c);
            Assert.True(cost > previous, $"{axis} {n}: {cost} is not above {previous}");
            previous = cost;
        }
    }

    [Fact]
    public void Longest_first_on_two_workers_ends_with_the_best_balance()
    {
        // 5 and 4 start; 3 follows 4 (free at 4), 2 follows 5 (free at 5)... ends at 7 on both: 5+2 and 4+3.
        Assert.Equal(7, TrialCost.Makespan([2, 3, 4, 5], 2));
        Assert.Equal(14, TrialCost.Makespan([2, 3, 4, 5], 1));
        Assert.Equal(5, TrialCost.Makespan([2, 3, 4, 5], 8)); // never shorter than the longest trial
        Assert.Equal(0, TrialCost.Makespan([], 3));
    }
}
