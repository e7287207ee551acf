using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Grains;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>`lab sweep` announces its trial count and an estimated duration before any trial can have finished.</summary>
[Trait("Category", "Slow")]
public sealed class SweepEstimateTests : TempDirectory
{
    [Fact]
    public void The_estimate_is_printed_while_no_trial_may_run_yet()
    {
        // No permit: no trial starts until the estimate has been seen, so it surely came first.
        var gate = new TrialGate(System.IO.Path.Combine(Path, "gate"));
        Directory.CreateDirectory(gate.Directory);
        string output = System.IO.Path.Combine(Path, "out");
        using LabProcess sweep = LabProcess.Start(["sweep", Write("tiny.json", ResultsFolderTests.Sweep), "--out", output],
            new Dictionary<string, string> { [TrialGate.EnvironmentVariable] = gate.Directory });
        sweep.WaitForOutput("estimated duration: about ", TimeSpan.FromMinutes(2));
        Assert.Contains("6 trials", sweep.Output, StringComparison.Ordinal);
        Assert.Contains("approximate", sweep.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[1/6]", sweep.Output, StringComparison.Ordinal);

        for (int i = 0; i < 6; i++)
        {
            File.WriteAllText(System.IO.Path.Combine(gate.Directory, $"permit-{i}"), "");
        }
        Assert.Equal(0, sweep.WaitForExit(TimeSpan.FromMinutes(2)));
        string[] lines = sweep.Output.Split('\n');
        int estimate = Array.FindIndex(lines, l => l.StartsWith("estimated duration: about ", StringComparison.Ordinal));
        int first = Array.FindIndex(lines, l => l.StartsWith("[1/6]", StringComparison.Ordinal));
        Assert.InRange(estimate, 0, first - 1);
    }
}
