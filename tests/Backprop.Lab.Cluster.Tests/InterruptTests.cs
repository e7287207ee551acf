using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Grains;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>Ctrl+C on `lab sweep` with the embedded silo, as a user in a terminal sends it.</summary>
[Trait("Category", "Slow")]
public sealed class InterruptTests : TempDirectory
{
    [Fact]
    public void Ctrl_c_mid_sweep_saves_what_finished_and_prints_nothing_after_the_resume_command()
    {
        // One permit: one trial finishes and the sweep then waits, so the interrupt surely lands mid-sweep.
        var gate = new TrialGate(System.IO.Path.Combine(Path, "gate"));
        Directory.CreateDirectory(gate.Directory);
        File.WriteAllText(System.IO.Path.Combine(gate.Directory, "permit"), "");
        string output = System.IO.Path.Combine(Path, "out");
        using LabProcess sweep = LabProcess.Start(["sweep", Write("tiny.json", ResultsFolderTests.Sweep), "--out", output],
            new Dictionary<string, string> { [TrialGate.EnvironmentVariable] = gate.Directory });
        sweep.WaitForOutput("[1/6]", TimeSpan.FromMinutes(2));

        sweep.Interrupt();

        Assert.Equal(130, sweep.WaitForExit(TimeSpan.FromMinutes(2)));
        string[] lines = sweep.Output.Split('\n');
        Assert.Equal($"finish with: lab sweep --resume {output}", lines[^1]);
        Assert.Contains($"interrupted: 1 of 6 trials are saved in {output}", lines[^2], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("[ERR]", StringComparison.Ordinal) || l.StartsWith("[WRN]", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
        Assert.Single(File.ReadAllLines(System.IO.Path.Combine(output, "trials.jsonl")));
    }
}
