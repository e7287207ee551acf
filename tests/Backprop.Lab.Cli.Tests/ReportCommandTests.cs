using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class ReportCommandTests : TempDirectory
{
    private const string Tiny = """
        { "name": "tiny", "base": { "width": 8, "dataset": "teacher", "samples": 32, "batch_size": 16, "steps": 5, "record_every": 5 },
          "grid": { "activation": ["tanh"], "depth": [2, 3], "sigma_w2": [0.5, 2] } }
        """;

    [Fact]
    public void Sweep_renders_the_report_and_lab_report_re_renders_it_without_training()
    {
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, stdout, _) = LabRunner.Run("sweep", Write("tiny.json", Tiny), "--out", output);
        Assert.Equal(0, exit);
        string index = System.IO.Path.Combine(output, "report", "index.html");
        Assert.Contains($"report: {index} (4 trials", stdout);
        string trials = File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl"));

        File.Delete(index);
        var (again, againOut, error) = LabRunner.Run("report", output, "--no-svg");
        Assert.Equal(0, again);
        Assert.Equal("", error);
        // Per activation: phase, profile, trainability, per-layer; then training, chi1, and the two Jacobian figures
        // (every trial measured its spectrum, exactly at width 8).
        Assert.Contains("(4 trials, 8 figures)", againOut);
        Assert.True(File.Exists(index));
        Assert.Equal(trials, File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl")));
        Assert.Empty(Directory.GetFiles(System.IO.Path.Combine(output, "report", "figures"), "*.svg"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_null_line_is_reported_in_words()
    {
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", Write("tiny.json", Tiny), "--out", output, "--in-process").Exit);
        string trials = System.IO.Path.Combine(output, "trials.jsonl");
        List<string> lines = File.ReadAllLines(trials).ToList();
        lines.Insert(2, "null");
        File.WriteAllLines(trials, lines);
        var (exit, stdout, stderr) = LabChildProcess.Run(new Dictionary<string, string>(), Path, "report", output, "--no-svg");
        Assert.True(exit == 0, stderr);
        Assert.Contains("report skipped trials.jsonl line 3: null, expected a trial result object", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_exits_2_and_an_empty_one_says_what_is_missing()
    {
        var (missing, _, error) = LabRunner.Run("report", System.IO.Path.Combine(Path, "nope"));
        Assert.Equal(2, missing);
        Assert.Contains("does not exist", error);

        string empty = System.IO.Path.Combine(Path, "empty");
        Directory.CreateDirectory(empty);
        var (exit, stdout, _) = LabRunner.Run("report", empty);
        Assert.Equal(2, exit);
        Assert.Contains("report skipped trials.jsonl: not found", stdout);
        Assert.Contains("no report rendered", stdout);
    }

    [Fact]
    public void A_symlink_planted_at_the_report_temporary_name_is_not_followed()
    {
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", Write("tiny.json", Tiny), "--out", output, "--in-process").Exit);
        string victim = Write("victim.txt", "precious");
        string index = System.IO.Path.Combine(output, "report", "index.html");
        File.CreateSymbolicLink(index + ".tmp", victim);
        var (exit, _, error) = LabRunner.Run("report", output, "--no-svg");
        Assert.True(exit == 0, error);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(index).LinkTarget);
        Assert.Contains("<html", File.ReadAllText(index), StringComparison.OrdinalIgnoreCase);
    }
}
