using System.Text.Json;

namespace Backprop.Lab.Cli.Tests;

/// <summary>The shape of <c>lab bench</c>'s output. Figures are for reading: no timing is asserted.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void Quick_json_has_every_section_with_named_numbers()
    {
        var (exit, output, _) = LabRunner.Run("bench", "--quick", "--json", "--seconds", "0.05");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("kernel").GetString()));
        Assert.True(root.GetProperty("cores").GetInt32() >= 1);

        JsonElement steps = root.GetProperty("steps");
        Assert.True(steps.GetArrayLength() >= 2);
        foreach (JsonElement step in steps.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(step.GetProperty("shape").GetString()));
            foreach (string name in new[] { "depth", "width", "batch", "threads", "steps_timed" })
            {
                Assert.True(step.GetProperty(name).GetInt32() >= 1, name);
            }
            foreach (string name in new[] { "ms_per_step", "median_ms_per_step", "gflops" })
            {
                Assert.True(step.GetProperty(name).GetDouble() > 0, name);
            }
            // Allocation is a fact, not a timing: a warmed-up step allocates nothing.
            Assert.Equal(0, step.GetProperty("bytes_per_step").GetDouble());
            Assert.Equal(JsonValueKind.Null, step.GetProperty("ratio_to_pytorch").ValueKind);
        }

        Assert.False(root.GetProperty("pytorch").GetProperty("measured").GetBoolean());
        JsonElement checks = root.GetProperty("gradient_checks");
        Assert.Equal(Environment.ProcessorCount > 1 ? 3 : 2, checks.GetArrayLength());
        foreach (JsonElement check in checks.EnumerateArray())
        {
            Assert.Equal("Pass", check.GetProperty("verdict").GetString());
            Assert.True(check.GetProperty("entries").GetInt32() > 0);
            Assert.True(check.GetProperty("entries_per_second").GetDouble() > 0);
        }

        JsonElement sweep = root.GetProperty("sweep");
        Assert.Equal(4, sweep.GetProperty("trials").GetInt32());
        Assert.Equal(0, sweep.GetProperty("failed").GetInt32());
        Assert.True(sweep.GetProperty("trials_per_second").GetDouble() > 0);
        // One round by default with --quick: the same 4 trials in process, then on a new embedded silo.
        Assert.Equal(1, sweep.GetProperty("in_process_seconds").GetArrayLength());
        Assert.Equal(1, sweep.GetProperty("embedded_seconds").GetArrayLength());
        double inProcess = sweep.GetProperty("in_process_seconds")[0].GetDouble(), embedded = sweep.GetProperty("embedded_seconds")[0].GetDouble();
        Assert.True(inProcess > 0 && embedded > 0);
        Assert.Equal(embedded / inProcess, sweep.GetProperty("embedded_ratios")[0].GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, sweep.GetProperty("embedded_warm_median_ratio").ValueKind); // no round after the first
        foreach (string mode in new[] { "in_process", "embedded" })
        {
            // The trials allocate (datasets, results), so each round shows some; the full collections are among all.
            Assert.True(sweep.GetProperty($"{mode}_allocated_mb")[0].GetDouble() > 0, mode);
            int collections = sweep.GetProperty($"{mode}_collections")[0].GetInt32();
            Assert.InRange(sweep.GetProperty($"{mode}_full_collections")[0].GetInt32(), 0, collections);
            Assert.True(sweep.GetProperty($"{mode}_gc_pause_ms")[0].GetDouble() >= 0, mode);
        }
    }

    [Fact]
    public void Sweep_rounds_are_counted_and_checked()
    {
        var (exit, output, _) = LabRunner.Run("bench", "--quick", "--seconds", "0.05", "--sweep-rounds", "2");
        Assert.Equal(0, exit);
        string inProcess = output.Split('\n').Single(l => l.TrimStart().StartsWith("in process:", StringComparison.Ordinal));
        string embedded = output.Split('\n').Single(l => l.TrimStart().StartsWith("embedded silo:", StringComparison.Ordinal));
        Assert.Equal(2, inProcess.Split("(")[0].Split(',').Length);
        Assert.Equal(2, embedded.Split("(")[0].Split(',').Length);
        Assert.Contains("embedded / in process, round by round", output);
        Assert.Contains("median after the first round", output);
        string heap = output.Split('\n').Single(l => l.TrimStart().StartsWith("heap per round", StringComparison.Ordinal));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(heap, @"\d+ MB \d+/\d+ \d+ ms").Count); // 2 rounds x 2 modes

        var (bad, _, error) = LabRunner.Run("bench", "--quick", "--sweep-rounds", "0");
        Assert.Equal(2, bad);
        Assert.Contains("--sweep-rounds", error);
    }

    [Fact]
    public void The_table_names_the_kernel_and_every_section()
    {
        var (exit, output, _) = LabRunner.Run("bench", "--quick", "--seconds", "0.05", "--no-sweep");
        Assert.Equal(0, exit);
        Assert.Contains("kernel", output);
        Assert.Contains("bytes/step", output);
        Assert.Contains("gradient check", output);
        Assert.DoesNotContain("sweep bench-sweep.json", output);
    }

    [Fact]
    public void A_bad_budget_is_a_user_error()
    {
        var (exit, _, error) = LabRunner.Run("bench", "--seconds", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--seconds", error);
    }
}
