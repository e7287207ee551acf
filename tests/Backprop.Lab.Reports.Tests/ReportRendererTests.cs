using AngleSharp.Html.Parser;
using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Tests.Support;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Reports.Tests;

/// <summary>The report of a results folder: a self-contained page whose every image and link resolves, and bad input.</summary>
public sealed class ReportRendererTests : TempDirectory
{
    private static readonly ReportOptions Small = new(Width: 500, Height: 350);

    private static List<TrialResult> Trials() => Fixtures.Synthetic(["tanh", "relu"], [4, 8], [0.5, 1, 2, 4]);

    [Fact]
    public void Every_image_and_link_of_the_page_resolves_to_a_file_and_nothing_loads_from_the_network()
    {
        string dir = Fixtures.ResultsFolder(Path, Trials());
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.True(outcome.Rendered);
        Assert.Empty(outcome.Skipped);
        Assert.Equal(16, outcome.TrialsRead);
        Assert.Equal(2 * 4 + 2, outcome.Figures.Count);

        string reportDir = System.IO.Path.Combine(dir, "report");
        var document = new HtmlParser().ParseDocument(File.ReadAllText(System.IO.Path.Combine(reportDir, "index.html")));
        var images = document.QuerySelectorAll("img").Select(e => e.GetAttribute("src")!).ToList();
        var links = document.QuerySelectorAll("a").Select(e => e.GetAttribute("href")!).ToList();
        Assert.Equal(outcome.Figures.Count, images.Count);
        Assert.Contains("../trials.jsonl", links);
        Assert.Contains("../summary.csv", links);
        Assert.All(images.Concat(links), target =>
        {
            Assert.DoesNotContain("://", target);
            Assert.True(File.Exists(System.IO.Path.GetFullPath(System.IO.Path.Combine(reportDir, target))), $"{target} does not resolve");
        });
        Assert.Empty(document.QuerySelectorAll("script[src], link[href]"));
        Assert.Equal(16, document.QuerySelectorAll("table.sortable tbody tr").Length);
        Assert.Contains("\"name\": \"fixture\"", document.QuerySelector("pre")!.TextContent);
        Assert.Equal(2, document.QuerySelectorAll("ul.findings li").Length);
    }

    [Fact]
    public void The_summary_sentence_states_where_gradients_vanish_explode_and_the_critical_scale()
    {
        string dir = Fixtures.ResultsFolder(Path, Fixtures.Synthetic(["relu"], [16], [0.5, 1, 2, 4, 8]));
        ReportRenderer.Render(dir, Small);
        var document = new HtmlParser().ParseDocument(File.ReadAllText(System.IO.Path.Combine(dir, "report", "index.html")));
        string sentence = document.QuerySelector("ul.findings li")!.TextContent;
        // chi1 = sw2 / 2 in the fixture: the measured crossing is at 2, as theory's critical line.
        Assert.Contains("vanishes (< 0.1) for σ_w² ≤ 1", sentence);
        Assert.Contains("explodes (> 10) for σ_w² ≥ 4", sentence);
        Assert.Contains("crosses 0, L = 16): 2;", sentence);
        Assert.Contains("σ_w² = 2.", sentence);
    }

    [Fact]
    public void Truncated_and_older_schema_lines_are_skipped_with_the_reason_and_the_rest_rendered()
    {
        string dir = Fixtures.ResultsFolder(Path, Trials());
        string trials = System.IO.Path.Combine(dir, "trials.jsonl");
        var lines = File.ReadAllLines(trials).ToList();
        lines[2] = lines[2].Replace("\"schema\":5", "\"schema\":0", StringComparison.Ordinal);
        lines[^1] = lines[^1][..60];
        File.WriteAllLines(trials, lines);
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.True(outcome.Rendered);
        Assert.Equal(14, outcome.TrialsRead);
        Assert.Contains(new SkippedItem("trials.jsonl line 3", "schema 0, expected 1 to 5"), outcome.Skipped);
        Assert.Contains(new SkippedItem("trials.jsonl line 16", "truncated or malformed JSON"), outcome.Skipped);
        string html = File.ReadAllText(outcome.IndexPath!);
        Assert.Contains("trials.jsonl line 16", html);
        Assert.Contains("2 items skipped", outcome.SummaryLine());
    }

    [Fact]
    public void The_page_is_titled_with_the_sweeps_name_whatever_the_folder_is_called()
    {
        string dir = Fixtures.ResultsFolder(Path, Trials(), name: "fixture-20260101-120000");
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        var document = new HtmlParser().ParseDocument(File.ReadAllText(outcome.IndexPath!));
        Assert.Equal("Gradient flow: fixture", document.Title);
        Assert.Equal("Gradient flow: fixture", document.QuerySelector("h1")!.TextContent);

        File.Delete(System.IO.Path.Combine(dir, "sweep.json"));
        outcome = ReportRenderer.Render(dir, Small);
        Assert.Equal("Gradient flow: fixture-20260101-120000", new HtmlParser().ParseDocument(File.ReadAllText(outcome.IndexPath!)).Title);
    }

    [Fact]
    public void A_missing_or_empty_folder_renders_nothing_and_says_why()
    {
        ReportOutcome missing = ReportRenderer.Render(System.IO.Path.Combine(Path, "nope"), Small);
        Assert.False(missing.Rendered);
        Assert.Contains(missing.Skipped, s => s.Why == "the folder does not exist");

        string empty = System.IO.Path.Combine(Path, "empty");
        Directory.CreateDirectory(empty);
        ReportOutcome none = ReportRenderer.Render(empty, Small);
        Assert.False(none.Rendered);
        Assert.Null(none.IndexPath);
        Assert.Contains(none.Skipped, s => s.What == "trials.jsonl" && s.Why.StartsWith("not found", StringComparison.Ordinal));
        Assert.False(Directory.Exists(System.IO.Path.Combine(empty, "report")));
    }

    [Fact]
    public void Trials_of_another_initialiser_are_kept_in_the_table_but_not_placed_in_the_phase_diagram()
    {
        var trials = Trials();
        TrialResult he = trials[0] with { Key = "he0", Config = trials[0].Config with { Init = "he_normal" } };
        string dir = Fixtures.ResultsFolder(Path, trials.Append(he));
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.Equal(17, outcome.TrialsRead);
        Assert.Contains(outcome.Skipped, s => s.What == "tanh: 1 trial(s)" && s.Why.Contains("gaussian", StringComparison.Ordinal));
    }
}
