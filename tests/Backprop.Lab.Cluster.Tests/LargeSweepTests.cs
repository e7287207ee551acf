using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Grains;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>A sweep of a billion trials run by a real `lab` whose managed heap may not pass 256 MB.</summary>
[Trait("Category", "Slow")]
public sealed class LargeSweepTests : TempDirectory
{
    // 1000 x 1000 x 1000 grid points of a network too small to train: what the sweep's own bookkeeping costs shows alone.
    internal const string Billion = """
        { "name": "billion", "base": { "width": 2, "depth": 1, "dataset": "gaussian", "samples": 4, "batch_size": 4, "steps": 0 },
          "grid": { "learning_rate": { "log": [1e-6, 1], "count": 1000 }, "sigma_w2": { "linear": [0.5, 4], "count": 1000 },
                    "sigma_b": { "linear": [0, 1], "count": 1000 } } }
        """;

    /// <summary>The ceiling on the process's managed heap: the grid as a list of trials would need over ten times this.</summary>
    private const string HeapLimit = "0x10000000";

    [Fact]
    public void A_billion_trial_sweep_starts_within_256_MB_and_an_interrupt_keeps_exactly_the_trials_that_ran()
    {
        // Three permits: three trials run, then the workers wait at the gate until the interrupt.
        var gate = new TrialGate(System.IO.Path.Combine(Path, "gate"));
        Directory.CreateDirectory(gate.Directory);
        for (int i = 0; i < 3; i++)
        {
            File.WriteAllText(System.IO.Path.Combine(gate.Directory, $"permit-{i}"), "");
        }
        string output = System.IO.Path.Combine(Path, "out");
        using LabProcess sweep = LabProcess.Start(["sweep", Write("billion.json", Billion), "--allow-large", "--out", output, "--parallel", "2"],
            new Dictionary<string, string> { [TrialGate.EnvironmentVariable] = gate.Directory, ["DOTNET_GCHeapHardLimit"] = HeapLimit });
        sweep.WaitForOutput("[3/1000000000]", TimeSpan.FromMinutes(2));

        sweep.Interrupt();

        Assert.Equal(130, sweep.WaitForExit(TimeSpan.FromMinutes(2)));
        string[] lines = sweep.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("sweep billion: 1000000000 trials (0 already done)", StringComparison.Ordinal));
        Assert.Contains($"interrupted: 3 of 1000000000 trials are saved in {output}", lines[^2], StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(gate.Claimed).Length);
        var grid = new SweepGrid(SweepFile.Load(System.IO.Path.Combine(output, "sweep.json"), allowLarge: true));
        string[] saved = File.ReadAllLines(System.IO.Path.Combine(output, "trials.jsonl"));
        Assert.Equal(3, saved.Length);
        // Each line is a trial of the sweep, from the first window submitted (the grid's first 2048 trials).
        Assert.All(saved, line =>
        {
            TrialResult result = ResultFormat.FromJsonLine(line, out _)!;
            Assert.InRange(grid.IndexOf(result.Key, result.Config) ?? -1, 0, 2047);
        });
    }
}
