using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// lab as a .NET tool, as a user gets it from a clone: packed into a folder feed, installed with `dotnet tool install`
/// into a tool path (only that feed besides the configured source, and an empty package cache, so nothing stale is
/// used), and run from a folder outside the repository, where no experiments/ folder can be found.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ToolPackageTests : TempDirectory
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    [Fact]
    public void The_packed_tool_installs_into_a_tool_path_and_runs_theory_a_sweep_and_schema_outside_the_repository()
    {
        string repository = Repository.Root();
        string feed = Folder("feed"), tools = Folder("tools"), work = Folder("work");
        var (packed, packOut, packErr) = ChildProcess.Run("dotnet",
            ["pack", System.IO.Path.Combine(repository, "src", "Backprop.Lab.Cli", "Backprop.Lab.Cli.csproj"), "-c", "Release", "-o", feed], repository, Limit);
        Assert.True(packed == 0, packOut + packErr);

        var (installed, installOut, installErr) = ChildProcess.Run("dotnet",
            ["tool", "install", "Backprop.Lab.Cli", "--tool-path", tools, "--add-source", feed], work, Limit,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Folder("packages") });
        Assert.True(installed == 0, installOut + installErr);
        string lab = System.IO.Path.Combine(tools, "lab");
        Assert.True(File.Exists(lab), $"no {lab} after the install");

        var (theory, theoryOut, theoryErr) = ChildProcess.Run(lab, ["theory", "--activation", "tanh", "--sw2", "1.5", "--sb2", "0.05"], work, Limit);
        Assert.True(theory == 0, theoryErr);
        Assert.Contains("critical sigma_w^2 = 1.7609546 at sigma_b^2 = 0.05, q0 = 1", theoryOut);

        File.WriteAllText(System.IO.Path.Combine(work, "tiny.json"),
            """{ "name": "tiny", "base": { "depth": 2, "width": 4, "samples": 16, "steps": 2 }, "grid": { "activation": ["tanh", "relu"] } }""");
        var (swept, sweepOut, sweepErr) = ChildProcess.Run(lab, ["sweep", "tiny.json", "--out", "out"], work, Limit);
        Assert.True(swept == 0, sweepOut + sweepErr);
        Assert.Contains("2 trials: 2 ok", sweepOut);
        foreach (string file in new[] { "sweep.json", "trials.jsonl", "summary.csv", System.IO.Path.Combine("report", "index.html") })
        {
            Assert.True(File.Exists(System.IO.Path.Combine(work, "out", file)), $"the sweep wrote no {file}");
        }
        Assert.Equal(2, File.ReadAllLines(System.IO.Path.Combine(work, "out", "trials.jsonl")).Length);

        var (schema, schemaOut, _) = ChildProcess.Run(lab, ["schema"], work, Limit);
        Assert.Equal(0, schema);
        Assert.Equal(File.ReadAllText(System.IO.Path.Combine(repository, "experiments", "sweep.schema.json")), schemaOut);
    }

    private string Folder(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;
}
