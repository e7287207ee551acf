using Backprop.Lab.Reports.Papers;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class ReproduceCommandTests : TempDirectory
{
    public static TheoryData<string> Names() => [.. Reproductions.All.Select(r => r.Name)];

    /// <summary>
    /// Every quick reproduction, on the embedded silo as a user runs it: the sweep, its report with the claims section, and a
    /// table in which every claim passes (exit 0). These are the paper's claims checked on every build.
    /// </summary>
    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Names))]
    public void Each_quick_reproduction_passes_every_claim_and_reports_them(string name)
    {
        string output = System.IO.Path.Combine(Path, name);
        var (exit, stdout, error) = LabRunner.Run("reproduce", name, "--quick", "--out", output);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{error}");
        // The table's rows after its header: every one passes.
        string[] rows = stdout.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToArray();
        int claims = rows.Length;
        Assert.True(claims >= 2, stdout);
        Assert.All(rows, r => Assert.EndsWith("| PASS    |", r.TrimEnd()));
        Assert.Contains($"{name}: all {claims} claims pass", stdout);
        string index = File.ReadAllText(System.IO.Path.Combine(output, "report", "index.html"));
        Assert.Contains("id=\"claims\"", index);
        Assert.Equal(claims, CountOf(index, "class=\"verdict pass\""));
        Assert.True(Directory.GetFiles(System.IO.Path.Combine(output, "report", "figures"), "claim-*.png").Length > 0);
        Assert.Contains("\"claims\":{", File.ReadAllText(System.IO.Path.Combine(output, "report", "sweep.html")));
    }

    [Fact]
    public void List_names_every_reproduction_with_its_sizes_and_docs_page()
    {
        var (exit, stdout, _) = LabRunner.Run("reproduce", "--list");
        Assert.Equal(0, exit);
        Assert.All(Reproductions.All, r =>
        {
            Assert.Contains($"  {r.Name} ", stdout);
            Assert.Contains(r.DocsPage, stdout);
        });
        Assert.Contains("--quick 4", stdout);
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_known_ones()
    {
        var (exit, _, error) = LabRunner.Run("reproduce", "lecun-1998", "--quick");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("no reproduction is called \"lecun-1998\"", error);
        Assert.Contains("glorot-bengio-2010", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(System.IO.Path.Combine(Path, "results")));
    }

    /// <summary>
    /// A results folder whose sweep names a paper but lacks the trials one claim needs: the sweep finishes, the claims table
    /// says NO DATA for it, and the exit code is 8; --resume of a complete folder checks the claims again without running.
    /// </summary>
    [Fact]
    public void Claims_without_their_trials_exit_8_and_resume_checks_again_without_training()
    {
        string sweep = Write("he-xavier.json", """
            { "name": "he-xavier-only", "paper": "he-2015",
              "base": { "depth": 30, "width": 32, "activation": "relu", "dataset": "digits", "loss": "softmax_cross_entropy", "steps": 50, "record_every": 25 },
              "grid": { "init": ["xavier_normal"] } }
            """);
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", sweep, "--out", output, "--in-process").Exit);
        string trials = File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl"));
        var (exit, stdout, _) = LabRunner.Run("reproduce", "--resume", output, "--in-process");
        Assert.Equal(ExitCodes.ClaimsFailed, exit);
        Assert.Contains("1 trials (1 already done)", stdout);
        Assert.Contains("| NO DATA |", stdout);
        Assert.Contains("he-2015: 2 of 4 claims pass", stdout);
        Assert.Equal(trials, File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl")));
        Assert.Equal(ExitCodes.BadInput, LabRunner.Run("reproduce", "saxe-2014", "--resume", output).Exit);
    }

    [Fact]
    public void A_sweep_file_naming_a_paper_is_checked_for_its_spelling()
    {
        string sweep = Write("bad.json", """{ "name": "x", "paper": "He 2015", "base": { "width": 4, "depth": 2, "dataset": "xor", "steps": 1 } }""");
        var (exit, _, error) = LabRunner.Run("sweep", sweep, "--in-process", "--out", System.IO.Path.Combine(Path, "bad"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("$.paper", error);
        Assert.Contains("expected the name of a reproduction", error);
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
