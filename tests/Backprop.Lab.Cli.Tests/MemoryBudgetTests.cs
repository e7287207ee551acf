using System.Globalization;
using Backprop.Core.Experiments;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary><c>--memory-budget</c> and the memory check of <c>lab sweep</c> and <c>lab silo</c>.</summary>
public sealed class MemoryBudgetTests : TempDirectory
{
    /// <summary>512 MB of heap: enough for `lab` to start and refuse; a regression that trains these trials fails at once.</summary>
    private static readonly Dictionary<string, string> Ceiling = new() { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };

    [Theory]
    [InlineData("""{"name":"deep","base":{"depth":10000,"width":70,"batch_size":3000,"samples":3000}}""",
        "trial depth=10000 width=70 batch_size=3000 samples=3000 dataset=gaussian needs about", "(half of this machine's memory); lower batch_size, depth or width, or raise --memory-budget")]
    [InlineData("""{"name":"sb2","base":{"steps":0,"width":4,"depth":1,"dataset":"teacher","samples":10000000,"input_dim":10000}}""",
        "input_dim=10000 dataset=teacher cannot run: the dataset's inputs would be one array of 100,000,000,000 values", "")]
    [InlineData("""{"name":"wide","base":{"width":7000,"depth":1,"samples":1000000}}""",
        "cannot run: the dataset's inputs would be one array of 7,000,000,000 values", "")]
    [InlineData("""{"name":"teacher","base":{"steps":0,"width":4,"depth":1,"dataset":"teacher","samples":200000,"input_dim":10000}}""",
        "dataset=teacher needs about 15.1 GB (the dataset: 14.9 GB), over the budget of 256.0 MB", "lower samples or input_dim, or raise --memory-budget")]
    public void A_sweep_too_large_for_memory_is_refused_before_anything_is_allocated(string sweep, string expected, string remedy)
    {
        string file = Write("sweep.json", sweep);
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, _, error) = LabChildProcess.Run(Ceiling, Path, "sweep", file, "--out", output);
        Assert.True(exit == 2, $"exit {exit}: {error}");
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(remedy, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "the refused sweep left a results folder");
    }

    [Fact]
    public void The_trials_run_at_once_must_fit_together()
    {
        string file = Write("two.json", """{ "name": "two", "base": { "depth": 2, "samples": 64, "steps": 2, "record_every": 1 }, "grid": { "width": [8, 9] } }""");
        long each = TrialMemory.Estimate(new TrialConfig { Depth = 2, Width = 9, Samples = 64, Steps = 2, RecordEvery = 1 }).Bytes;
        string budget = (each + 4096).ToString(CultureInfo.InvariantCulture);

        var (exit, stdout, error) = LabRunner.Run("sweep", file, "--in-process", "--parallel", "2", "--memory-budget", budget, "--out", System.IO.Path.Combine(Path, "a"));
        Assert.Equal(2, exit);
        Assert.Contains($"{TrialMemory.Describe(new TrialConfig { Depth = 2, Width = 9, Samples = 64 })} needs about", error, StringComparison.Ordinal);
        Assert.Contains("; 2 at once need", error, StringComparison.Ordinal);
        Assert.Contains("(given with --memory-budget); ", error, StringComparison.Ordinal);
        Assert.Contains("run fewer at once (--parallel)", error, StringComparison.Ordinal);
        Assert.Equal("", stdout);

        (exit, stdout, error) = LabRunner.Run("sweep", file, "--in-process", "--parallel", "1", "--memory-budget", budget, "--out", System.IO.Path.Combine(Path, "b"));
        Assert.True(exit == 0, error);
        Assert.Contains("2 trials: 2 ok", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trial_that_runs_out_of_memory_anyway_fails_with_a_sentence_not_a_stack_trace()
    {
        // 256 MB of heap and a budget that pretends there is more: the network's 40 million weights (320 MB) cannot be had,
        // and the trial fails before it allocates them (reaching the heap's hard limit can crash the runtime's GC).
        var ceiling = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };
        string file = Write("oom.json", """{ "name": "oom", "base": { "depth": 40, "width": 1000, "samples": 64, "steps": 1 } }""");
        string output = System.IO.Path.Combine(Path, "oom-out");
        var (exit, stdout, error) = LabChildProcess.Run(ceiling, Path, "sweep", file, "--in-process", "--memory-budget", "64G", "--out", output);
        Assert.True(exit == 1, $"exit {exit}: {stdout}\n{error}");
        TrialResult result = Assert.Single(ResultsOf(output));
        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.StartsWith("out of memory: trial depth=40 width=1000", result.Error, StringComparison.Ordinal);
        Assert.Contains("lower depth or width, run fewer trials at once", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5G")]
    [InlineData("100")]
    [InlineData("8X")]
    public void A_budget_that_is_not_a_size_is_refused(string value)
    {
        Write("t.json", """{ "name": "t", "base": { "depth": 1, "width": 2, "samples": 8, "steps": 1 } }""");
        foreach (string[] args in new[] { ["sweep", System.IO.Path.Combine(Path, "t.json"), "--in-process", "--memory-budget", value], new[] { "silo", "--memory-budget", value } })
        {
            var (exit, _, error) = LabRunner.Run(args);
            Assert.Equal(2, exit);
            Assert.Contains($"--memory-budget: expected a size of at least 1M such as 8G, 500M or 1.5G, got \"{value}\"", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("8G", 8L << 30)]
    [InlineData("500M", 500L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2gb", 2L << 30)]
    [InlineData("1048576", 1L << 20)]
    public void Sizes_are_read_in_powers_of_1024(string text, long bytes) => Assert.Equal(bytes, MemoryBudget.ParseSize(text));

    [Fact]
    public void A_budget_on_a_sweep_sent_to_a_cluster_is_refused_the_silos_budgets_apply()
    {
        string file = Write("c.json", """{ "name": "c", "base": { "depth": 1, "width": 2, "samples": 8, "steps": 1 } }""");
        var (exit, _, error) = LabRunner.Run("sweep", file, "--cluster", "127.0.0.1:30000", "--memory-budget", "1G");
        Assert.Equal(2, exit);
        Assert.Contains("--memory-budget applies where trials run: on a cluster, give it to each `lab silo`", error, StringComparison.Ordinal);
    }

    private static IReadOnlyList<TrialResult> ResultsOf(string folder) =>
        File.ReadAllLines(System.IO.Path.Combine(folder, "trials.jsonl")).Select(l => ResultFormat.FromJsonLine(l, out _)!).ToArray();
}
