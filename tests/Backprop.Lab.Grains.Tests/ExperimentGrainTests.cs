using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Backprop.Tests.Shared;
using Orleans.TestingHost;

namespace Backprop.Lab.Grains.Tests;

public sealed class ExperimentGrainTests : TempDirectory
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_trial_that_would_not_fit_in_the_silos_budget_as_often_as_it_runs_trials_is_failed_with_the_reason()
    {
        var small = new TrialConfig { Depth = 2, Width = 8, Samples = 16, BatchSize = 8, Steps = 2 };
        var large = small with { Width = 1200 };
        long smallBytes = TrialMemory.Estimate(small).Bytes, largeBytes = TrialMemory.Estimate(large).Bytes;
        // Two of the small trial fit; two of the large one do not, though one alone would.
        var budget = new MemoryBudget(largeBytes + 2 * smallBytes, "the test's");
        Assert.True(2 * largeBytes > budget.Bytes);
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 2, memoryBudget: budget);
        var sink = new ClusterSweep.FileSink(Path);
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, ClusterSweep.NewSweepId(), [small, large], sink,
            new SweepSettings(MaxAttempts: 1, LeaseDuration: TimeSpan.FromSeconds(5), MaxInFlight: 4));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish");
        Assert.True(await sweep);
        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(Outcome.Ok, saved.Single(r => r.Key == small.Key()).Outcome);
        TrialResult refused = saved.Single(r => r.Key == large.Key());
        Assert.Equal(Outcome.Failed, refused.Outcome);
        Assert.StartsWith("trial depth=2 width=1200 batch_size=8 samples=16 dataset=gaussian needs about", refused.Error, StringComparison.Ordinal);
        Assert.Contains("; 2 at once need", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"over the budget of {TrialMemory.Format(budget.Bytes)} (the test's); lower depth or width, run fewer at once (lab silo --parallel), or raise lab silo --memory-budget", refused.Error, StringComparison.Ordinal);
        Assert.Empty(refused.Checkpoints);
    }
}
