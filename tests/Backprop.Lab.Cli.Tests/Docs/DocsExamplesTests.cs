using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests.Docs;

/// <summary>
/// Every printed example of the manual (README.md and docs/*.md) is what <c>lab</c> prints now. An example is a fenced
/// block whose first line is <c>$ lab ...</c> followed by output (see <see cref="DocExample"/>); each block is one
/// theory case named by its file and line, so a drifted example fails with its place in the manual.
/// <para>
/// Each command runs as a real <c>lab</c> process (<c>dotnet lab.dll</c>, built beside these tests) in a fresh
/// temporary folder in which <c>experiments</c> links to the repository's experiments folder: the manual's relative
/// paths read the shipped files as they would from the repository root, and whatever a command writes (a
/// <c>--plot</c> file, a results folder) lands in the temporary folder, never in the repository. The output compared
/// is stdout followed by stderr. The comparison rules (numbers at the precision shown, <c>…</c> for variable text
/// within a line, a line <c>...</c> for elided lines) are <see cref="DocOutput"/>'s. Exit codes are not compared: a
/// failing gradient check exits 4 by design, and its output says so.
/// </para>
/// </summary>
public sealed class DocsExamplesTests
{
    public static TheoryData<string, int> Examples()
    {
        string root = Repository.Root();
        var data = new TheoryData<string, int>();
        foreach (string file in DocExample.ManualFiles(root))
        {
            foreach (DocExample example in DocExample.Parse(file, File.ReadAllText(Path.Combine(root, file))))
            {
                data.Add(file, example.Line);
            }
        }
        return data;
    }

    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Examples))]
    public void The_example_prints_what_the_manual_shows(string file, int line)
    {
        string root = Repository.Root();
        DocExample example = DocExample.Parse(file, File.ReadAllText(Path.Combine(root, file))).Single(e => e.Line == line);
        string folder = Directory.CreateTempSubdirectory("backprop-docs-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, "experiments"), Path.Combine(root, "experiments"));
            foreach (DocExample.Step step in example.Steps)
            {
                var (_, stdout, stderr) = LabChildProcess.Run(new Dictionary<string, string>(), folder, [.. step.Arguments]);
                string printed = stderr.Length == 0 ? stdout : stdout.Length == 0 ? stderr : stdout.TrimEnd('\n') + "\n" + stderr;
                string? difference = DocOutput.Difference(step.Expected, printed);
                Assert.True(difference is null,
                    $"{file}:{line}: `{step.CommandLine}` prints something other than the manual shows; {difference}\n--- printed ---\n{printed}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_manual_has_examples_on_its_front_page_and_in_its_pages()
    {
        string root = Repository.Root();
        var files = Examples().Select(row => (string)row[0]).ToHashSet();
        Assert.Contains("README.md", files);
        Assert.True(files.Count(f => f.StartsWith("docs/", StringComparison.Ordinal)) >= 4, string.Join(", ", files));
        // A block that looks like an example but cannot be run (a pipe, an unbalanced quote) fails here, not silently.
        foreach (string file in DocExample.ManualFiles(root))
        {
            _ = DocExample.Parse(file, File.ReadAllText(Path.Combine(root, file))).ToList();
        }
    }

    [Theory]
    [InlineData("1.2E-07", "1.2E-07", true)]
    [InlineData("1.2E-07", "1.24E-07", true)]
    [InlineData("1.2E-07", "1.3E-07", false)]
    [InlineData("42.25", "42.25", true)]
    [InlineData("42.25", "42.2549", true)]
    [InlineData("42.25", "42.26", false)]
    [InlineData("1331", "1331", true)]
    [InlineData("1331", "1332", false)]
    [InlineData("-13", "13", false)]
    [InlineData("0.46433282", "0.464332824", true)]
    public void Numbers_are_compared_at_the_precision_shown(string shown, string printed, bool same) =>
        Assert.Equal(same, DocOutput.SameAtShownPrecision(shown, printed));

    [Theory]
    [InlineData("x              8        8      2.5E-08", "x              8        8      2.5E-08", true)]
    [InlineData("x              8        8      2.5E-08", "x              8        8      8.9E-08", false)]
    [InlineData("x              8        8      2.5E-08", "x              8        9      2.5E-08", false)]
    [InlineData("W1[3,2]  analytic 0.46433282", "W1[3,2]  analytic 0.46433282", true)]
    [InlineData("W1[3,2]  analytic 0.46433282", "W1[3,1]  analytic 0.46433282", false)]
    [InlineData("final loss 0.1646 (… s)", "final loss 0.1646 (0.3 s)", true)]
    [InlineData("results in …/results/first", "results in /tmp/backprop-docs-x1/results/first", true)]
    [InlineData("results in …/results/first", "results in /tmp/x/results/second", false)]
    [InlineData("pass (excellent)", "pass (fine)", false)]
    public void A_line_matches_only_its_own_text_with_placeholders_for_variable_parts(string shown, string printed, bool same) =>
        Assert.Equal(same, DocOutput.LineMatches(shown, printed));

    [Fact]
    public void An_elision_line_stands_for_any_number_of_lines_and_nothing_else_is_skipped()
    {
        string printed = "head\none\ntwo\nthree\ntail\n";
        Assert.Null(DocOutput.Difference(["head", "...", "tail"], printed));
        Assert.Null(DocOutput.Difference(["head", "one", "...", "three", "tail"], printed));
        Assert.Null(DocOutput.Difference(["head", "one", "two", "three", "...", "tail"], printed));
        Assert.NotNull(DocOutput.Difference(["head", "one", "three", "tail"], printed));
        Assert.NotNull(DocOutput.Difference(["head", "..."], "other\n"));
        Assert.Contains("goes on after", DocOutput.Difference(["head", "one"], printed));
    }

    [Fact]
    public void Commands_split_like_a_shell_and_shell_features_are_refused()
    {
        Assert.Equal(["lab", "explain", "a = x*y; z = a*a + x", "--at", "x=2,y=3"],
            DocExample.SplitCommand("lab explain \"a = x*y; z = a*a + x\" --at x=2,y=3"));
        Assert.Equal(["lab", "gradcheck", "--entry", "W1[3,2]"], DocExample.SplitCommand("lab gradcheck --entry 'W1[3,2]'"));
        Assert.Throws<FormatException>(() => DocExample.SplitCommand("lab theory | head"));
        Assert.Throws<FormatException>(() => DocExample.SplitCommand("lab explain \"x"));
    }

    [Fact]
    public void A_block_is_split_into_its_commands_and_their_outputs_and_a_block_without_output_is_no_example()
    {
        string markdown = "text\n```\n$ lab sweep a.json --out a\nswept\n$ lab report a\nreported\n```\n\n```bash\n$ lab silo --redis 127.0.0.1:6379\n```\n";
        DocExample example = Assert.Single(DocExample.Parse("x.md", markdown));
        Assert.Equal(3, example.Line);
        Assert.Equal(2, example.Steps.Count);
        Assert.Equal(["sweep", "a.json", "--out", "a"], example.Steps[0].Arguments);
        Assert.Equal(["swept"], example.Steps[0].Expected);
        Assert.Equal(["reported"], example.Steps[1].Expected);
    }

    /// <summary>The check can fail: a real command's output against a shown text with one number drifted.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void A_drifted_example_fails_with_the_line_that_drifted()
    {
        string folder = Directory.CreateTempSubdirectory("backprop-docs-").FullName;
        try
        {
            var (_, stdout, _) = LabChildProcess.Run(new Dictionary<string, string>(), folder, "explain", "z = (3*x + 4*y)^3", "--at", "x=1,y=2");
            string[] shown = stdout.TrimEnd('\n').Split('\n');
            Assert.Null(DocOutput.Difference(shown, stdout));
            int drifted = Array.FindIndex(shown, l => l.Contains("dz/dx = 1089", StringComparison.Ordinal));
            shown[drifted] = shown[drifted].Replace("1089", "1090", StringComparison.Ordinal);
            string? difference = DocOutput.Difference(shown, stdout);
            Assert.NotNull(difference);
            Assert.Contains($"shown line {drifted + 1} differs", difference);
            Assert.Contains("1090", difference);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
