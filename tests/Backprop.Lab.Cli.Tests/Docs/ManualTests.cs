using System.Text.RegularExpressions;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests.Docs;

/// <summary>
/// The shape of the manual: a short front page with the two commands a newcomer needs, CI running the same test
/// command, every page linked and its links resolving, each page saying first what the reader will be able to do,
/// and no page telling the history of the code.
/// </summary>
public sealed partial class ManualTests
{
    private const string MainJob = "dotnet run --project src/Backprop.Lab.Cli -- sweep experiments/quickstart.json";
    private const string TestSuite = "dotnet test Backprop.Lab.sln";

    private static readonly string Root = Repository.Root();

    private static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public static TheoryData<string> Pages() => [.. DocExample.ManualFiles(Root).Where(f => f.StartsWith("docs/", StringComparison.Ordinal))];

    [Fact]
    public void The_front_page_is_short_and_shows_the_main_job_and_the_test_suite_as_lines_of_their_own()
    {
        string[] lines = Read("README.md").Split('\n');
        Assert.True(lines.Length <= 220, $"README.md has {lines.Length} lines; the manual's detail belongs in docs/");
        Assert.Contains(MainJob, lines);
        Assert.Contains(TestSuite, lines);
    }

    [Fact]
    public void Ci_runs_the_test_command_of_the_front_page()
    {
        Assert.Contains($"\n{TestSuite} 2>&1", Read(".ci/run"));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_page_is_linked_from_the_front_page_and_starts_with_what_the_reader_will_be_able_to_do(string page)
    {
        Assert.Contains($"]({page})", Read("README.md"));
        string[] lines = Read(page).Split('\n');
        Assert.StartsWith("# ", lines[0]);
        Assert.StartsWith("After this page you can", lines[2]);
    }

    public static TheoryData<string> ManualFiles() => [.. DocExample.ManualFiles(Root)];

    [Theory]
    [MemberData(nameof(ManualFiles))]
    public void Every_relative_link_and_image_resolves(string file)
    {
        string folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
        foreach (Match link in RelativeLink().Matches(Read(file)))
        {
            string target = link.Groups[1].Value.Split('#')[0];
            Assert.True(File.Exists(Path.Combine(folder, target)) || Directory.Exists(Path.Combine(folder, target)),
                $"{file}: the link {link.Value} points at nothing");
        }
    }

    [Theory]
    [MemberData(nameof(ManualFiles))]
    public void No_page_tells_the_history_of_the_code(string file)
    {
        string text = Read(file);
        foreach (Match m in History().Matches(text))
        {
            Assert.Fail($"{file}: \"{m.Value}\": the manual says what is true now and why");
        }
    }

    [GeneratedRegex(@"\]\((?!https?:|mailto:|#)([^)\s]+)\)")]
    private static partial Regex RelativeLink();

    [GeneratedRegex(@"\bthe seed\b|\bsessions?\b|\bissue #?\d+|\buntil now\b|\bpreviously\b|\bno longer\b|\bearlier builds?\b", RegexOptions.IgnoreCase)]
    private static partial Regex History();
}
