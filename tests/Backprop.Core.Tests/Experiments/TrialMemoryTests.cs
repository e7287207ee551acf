using Backprop.Core.Experiments;
using Xunit.Abstractions;

namespace Backprop.Core.Tests.Experiments;

public class TrialMemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// Configurations each dominated by another part of the estimate; odd sizes, so no array of another test's trials is
    /// waiting in the shared pool and every array is counted as allocated.
    /// </summary>
    public static TheoryData<string, TrialConfig> Trials() => new()
    {
        { "weights", new TrialConfig { Depth = 16, Width = 251, BatchSize = 7, Samples = 13, Steps = 3, RecordEvery = 3 } },
        { "adam", new TrialConfig { Depth = 5, Width = 401, Dataset = "teacher", InputDim = 11, Samples = 29, BatchSize = 5, Steps = 4, Optimizer = "adam" } },
        { "batch", new TrialConfig { Depth = 6, Width = 37, Dataset = "xor", Samples = 3001, BatchSize = 2999, Steps = 2, RecordEvery = 2 } },
        { "dataset", new TrialConfig { Depth = 2, Width = 19, Dataset = "teacher", InputDim = 1013, Samples = 4099, BatchSize = 31, Steps = 2 } },
        { "statistics", new TrialConfig { Depth = 41, Width = 9, Dataset = "spirals", Samples = 53, BatchSize = 11, Steps = 400, RecordEvery = 1 } },
        { "orthogonal", new TrialConfig { Depth = 3, Width = 389, Init = "orthogonal", Dataset = "digits", BatchSize = 1797, Steps = 2, Optimizer = "momentum" } },
        { "widths", new TrialConfig { Widths = [733, 1009, 227, 97], BatchSize = 13, Samples = 41, Steps = 3, Optimizer = "adam", Jacobian = JacobianMode.Exact } },
    };

    [Theory]
    [MemberData(nameof(Trials))]
    public void The_estimate_bounds_what_a_trial_allocates_within_a_small_factor(string what, TrialConfig config)
    {
        TrialMemoryEstimate estimate = TrialMemory.Estimate(config);
        Assert.Null(estimate.Problem);
        // The digits are read once per process (and counted in every estimate): read them first, so the measurement is
        // the same whichever test ran before.
        Backprop.Core.Experiments.Data.Datasets.Create("digits", 0, 0, 0, 0);
        // Everything the trial allocates on this thread (kernels run on it: one trial per worker uses one thread), its
        // result's JSON line included: an upper bound on what it holds at its peak.
        long before = GC.GetAllocatedBytesForCurrentThread();
        TrialResult result = TrialRunner.Run(config);
        string line = ResultFormat.ToJsonLine(result);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{what}: estimate {estimate.Bytes:N0} B, allocated {allocated:N0} B, ratio {(double)estimate.Bytes / allocated:F2} ({estimate.Largest.Name}); line {line.Length} chars");
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.True(estimate.Bytes >= allocated, $"{what}: estimate {estimate.Bytes} below the {allocated} bytes allocated");
        Assert.True(estimate.Bytes <= 2 * allocated, $"{what}: estimate {estimate.Bytes} more than twice the {allocated} bytes allocated");
    }

    [Fact]
    public void One_wider_layer_raises_the_estimate_by_its_weights_and_buffers()
    {
        var narrow = new TrialConfig { Widths = [16, 16, 16], Dataset = "teacher", BatchSize = 8, Samples = 64, Steps = 1 };
        TrialMemoryEstimate a = TrialMemory.Estimate(narrow), b = TrialMemory.Estimate(narrow with { Widths = [16, 512, 16] });
        long Weights(TrialMemoryEstimate e) => e.Parts.Single(p => p.Name == "the weights, biases and their gradients").Bytes;
        // P = 16 (16 + 1) + 512 (16 + 1) + 16 (512 + 1) + 1 (16 + 1) against 3 x 16 (16 + 1) + 17: 2 P 8 bytes each.
        Assert.Equal(2 * 8 * (16L * 17 + 512 * 17 + 16 * 513 + 17), Weights(b));
        Assert.Equal(2 * 8 * (3 * 16L * 17 + 17), Weights(a));
        Assert.True(b.Bytes > a.Bytes, $"{b.Bytes} <= {a.Bytes}");
        Assert.StartsWith("trial depth=3 widths=16-512-16 batch_size=8", b.Trial, StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_part_is_named_with_what_to_lower()
    {
        TrialMemoryEstimate deep = TrialMemory.Estimate(new TrialConfig { Depth = 10_000, Width = 70, BatchSize = 3000, Samples = 3000 });
        Assert.Equal("the activations and derivatives of a batch", deep.Largest.Name);
        // 4 m sum_l n_l + m (3 d_in + 2 d_out) doubles: 4 x 3000 x 700000 + 3000 x 350.
        Assert.Equal((4L * 3000 * 700_000 + 3000L * 350) * 8, deep.Largest.Bytes);
        Assert.Equal("batch_size, depth or width", deep.Largest.Lower);
        Assert.StartsWith("trial depth=10000 width=70 batch_size=3000 samples=3000 dataset=gaussian", deep.Trial, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trial_whose_arrays_exceed_what_dotnet_allows_has_a_problem_not_a_number()
    {
        TrialMemoryEstimate wide = TrialMemory.Estimate(new TrialConfig { Depth = 1, Width = 7000, Samples = 1_000_000 });
        Assert.Equal(long.MaxValue, wide.Bytes);
        Assert.Contains("the dataset's inputs would be one array of 7,000,000,000 values", wide.Problem);
    }

    [Fact]
    public void Recorded_statistics_grow_with_steps_over_record_every()
    {
        var config = new TrialConfig { Depth = 100, Width = 8, Steps = 1_000_000, RecordEvery = 1 };
        long every = TrialMemory.Estimate(config).Parts.Single(p => p.Name == "the recorded statistics").Bytes;
        long sparse = TrialMemory.Estimate(config with { RecordEvery = 1000 }).Parts.Single(p => p.Name == "the recorded statistics").Bytes;
        // (10^6 + 2) and (10^3 + 2) checkpoints of 100 layers.
        Assert.InRange((double)every / sparse, 900, 1000);
        Assert.True(every > 100_000_000L * TrialMemory.StatisticsJsonBytes);
    }

    [Theory]
    [InlineData(999L << 30, "999.0 GB")]
    [InlineData(3L << 29, "1.5 GB")]
    [InlineData(700L << 20, "700.0 MB")]
    [InlineData(1000, "1 KB")]
    public void Sizes_are_printed_in_powers_of_1024(long bytes, string text) => Assert.Equal(text, TrialMemory.Format(bytes));
}
