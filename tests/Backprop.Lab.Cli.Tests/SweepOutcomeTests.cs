using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// One sweep, run once on the embedded silo, with trials that train (ok), trials whose loss grows past 1e100 without
/// overflowing (learning rate 0.5 at sigma_w^2 2 and 4), and errors that vanish (sigma_w^2 0.5 at depth 24), stay level
/// and explode (4 at depth 24) at initialisation; and a swept learning rate, which the label of the old trial lines left out.
/// </summary>
public sealed class MixedSweep : TempDirectory
{
    public const string Text = """
        { "name": "mixed",
          "base": { "activation": "tanh", "width": 32, "dataset": "teacher", "samples": 128, "batch_size": 64, "steps": 40, "record_every": 10 },
          "grid": { "depth": [4, 24], "sigma_w2": [0.5, 2, 4], "learning_rate": [0.005, 0.5] } }
        """;

    public MixedSweep()
    {
        Output = System.IO.Path.Combine(Path, "out");
        (Exit, Stdout, Stderr) = LabRunner.Run("sweep", Write("mixed.json", Text), "--out", Output);
    }

    public string Output { get; }
    public int Exit { get; }
    public string Stdout { get; }
    public string Stderr { get; }

    public string[] TrialLines => Stdout.Split('\n').Where(l => l.StartsWith('[')).ToArray();

    public JsonElement[] Trials => File.ReadAllLines(System.IO.Path.Combine(Output, "trials.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    public (string[] Header, string[][] Rows) Summary
    {
        get
        {
            // No cell of this sweep holds a comma (no error messages), so a plain split reads it.
            string[] lines = File.ReadAllLines(System.IO.Path.Combine(Output, "summary.csv"));
            return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
        }
    }

    public AngleSharp.Html.Dom.IHtmlDocument Report =>
        new HtmlParser().ParseDocument(File.ReadAllText(System.IO.Path.Combine(Output, "report", "index.html")));
}

public sealed class SweepOutcomeTests(MixedSweep sweep) : IClassFixture<MixedSweep>
{
    private static readonly Regex TrialLine = new(@"^\[\d+/\d+\] (?<label>.*?): (?<outcome>ok|diverged|failed|vanished)(?: at step \d+)?(?:, (?<regime>vanishing|stable|exploding) at initialisation)?");

    private static readonly Regex CountsLine = new(
        @"(?<trials>\d+) trials: (?<ok>\d+) ok, (?<diverged>\d+) diverged, (?<failed>\d+) failed; at initialisation (?<vanishing>\d+) vanishing, (?<stable>\d+) stable, (?<exploding>\d+) exploding");

    private static readonly string[] Kinds = ["ok", "diverged", "failed", "vanishing", "stable", "exploding"];

    [Fact]
    public void The_sweep_succeeds()
    {
        Assert.Equal(0, sweep.Exit);
        Assert.Equal("", sweep.Stderr);
    }

    [Fact]
    public void A_loss_that_grows_a_millionfold_is_divergence_at_the_step_it_happened()
    {
        int diverged = 0;
        foreach (JsonElement t in sweep.Trials)
        {
            double[] losses = t.GetProperty("checkpoints").EnumerateArray().Select(c => Loss(c.GetProperty("loss"))).ToArray();
            string outcome = t.GetProperty("outcome").GetString()!;
            if (losses.Any(l => !double.IsFinite(l) || Math.Abs(l) > 1e6 * Math.Abs(losses[0])))
            {
                diverged++;
                Assert.Equal("diverged", outcome);
                // Training stops at the first step past the bound, and that step is recorded.
                int step = t.GetProperty("diverged_at_step").GetInt32();
                Assert.Equal(step, t.GetProperty("checkpoints").EnumerateArray().Last().GetProperty("step").GetInt32());
                Assert.True(losses.Take(losses.Length - 1).All(l => Math.Abs(l) <= 1e6 * Math.Abs(losses[0])));
            }
            else
            {
                Assert.Equal("ok", outcome);
            }
        }
        Assert.Equal(4, diverged); // learning rate 0.5 at sigma_w^2 2 and 4, both depths
    }

    [Fact]
    public void The_counts_above_the_table_agree_with_its_cells()
    {
        Match counts = CountsLine.Match(sweep.Stdout);
        Assert.True(counts.Success, "no outcome and regime counts line in:\n" + sweep.Stdout);
        double[] cells = TableCells(sweep.Stdout);
        Assert.Equal(12, cells.Length); // one seed: a cell per trial
        Assert.Equal(Count(counts, "vanishing"), cells.Count(c => c < 0.1));
        Assert.Equal(Count(counts, "exploding"), cells.Count(c => c > 10));
        Assert.Equal(Count(counts, "stable"), cells.Count(c => c >= 0.1 && c <= 10));
    }

    [Fact]
    public void Report_trial_lines_summary_and_end_of_sweep_table_agree_on_every_count()
    {
        var fromLines = Tally(sweep.TrialLines.Select(l => TrialLine.Match(l)).Select(m =>
        {
            Assert.True(m.Success);
            return (m.Groups["outcome"].Value, m.Groups["regime"].Value);
        }));

        var (header, rows) = sweep.Summary;
        int outcome = Array.IndexOf(header, "outcome"), regime = Array.IndexOf(header, "regime");
        Assert.True(regime >= 0, "summary.csv has no regime column");
        var fromCsv = Tally(rows.Select(r => (r[outcome], r[regime])));

        Match end = CountsLine.Match(sweep.Stdout);
        Assert.True(end.Success);
        var fromTable = Kinds.ToDictionary(k => k, k => Count(end, k));

        var report = sweep.Report;
        Match meta = CountsLine.Match(report.QuerySelector("p.meta")!.TextContent);
        Assert.True(meta.Success);
        var fromReportLine = Kinds.ToDictionary(k => k, k => Count(meta, k));
        var headers = report.QuerySelectorAll("table.sortable thead th").Select(h => h.TextContent).ToList();
        int o = headers.IndexOf("outcome"), g = headers.IndexOf("regime");
        var fromReportTable = Tally(report.QuerySelectorAll("table.sortable tbody tr").Select(tr =>
        {
            var cells = tr.QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
            return (cells[o].Split(' ')[0], cells[g]);
        }));

        var expected = new Dictionary<string, int> { ["ok"] = 8, ["diverged"] = 4, ["failed"] = 0, ["vanishing"] = 2, ["stable"] = 8, ["exploding"] = 2 };
        Assert.Equal(expected, fromLines);
        Assert.Equal(expected, fromCsv);
        Assert.Equal(expected, fromTable);
        Assert.Equal(expected, fromReportLine);
        Assert.Equal(expected, fromReportTable);
        Assert.Equal("12", end.Groups["trials"].Value);
    }

    [Fact]
    public void Every_swept_axis_is_in_the_trial_lines_the_trials_table_and_summary_csv()
    {
        string[] labels = sweep.TrialLines.Select(l => TrialLine.Match(l).Groups["label"].Value).ToArray();
        Assert.Equal(12, labels.Distinct().Count());
        Assert.Equal(6, labels.Count(l => l.Contains("learning_rate=0.005", StringComparison.Ordinal)));
        Assert.Equal(6, labels.Count(l => l.Contains("learning_rate=0.5", StringComparison.Ordinal)));

        var (header, rows) = sweep.Summary;
        int lr = Array.IndexOf(header, "learning_rate");
        Assert.Equal(["0.005", "0.5"], rows.Select(r => r[lr]).Distinct().Order());

        var report = sweep.Report;
        var headers = report.QuerySelectorAll("table.sortable thead th").Select(h => h.TextContent).ToList();
        int column = headers.IndexOf("learning_rate");
        Assert.True(column >= 0, "the trials table has no learning_rate column: " + string.Join(", ", headers));
        Assert.Equal(["0.005", "0.5"], report.QuerySelectorAll("table.sortable tbody tr")
            .Select(tr => tr.QuerySelectorAll("td")[column].TextContent).Distinct().Order());
    }

    [Fact]
    public void The_end_of_sweep_table_and_the_figures_are_split_by_the_swept_learning_rate()
    {
        Assert.Contains("tanh, learning_rate=0.005: back-propagated error ratio", sweep.Stdout);
        Assert.Contains("tanh, learning_rate=0.5: back-propagated error ratio", sweep.Stdout);
        var titles = sweep.Report.QuerySelectorAll("figure h3").Select(h => h.TextContent).ToList();
        foreach (string kind in new[] { "Phase diagram", "Trainability", "Gradient-flow profile" })
        {
            Assert.Contains(titles, t => t.StartsWith(kind, StringComparison.Ordinal) && t.Contains("learning_rate = 0.005", StringComparison.Ordinal));
            Assert.Contains(titles, t => t.StartsWith(kind, StringComparison.Ordinal) && t.Contains("learning_rate = 0.5", StringComparison.Ordinal));
        }
    }

    private static double Loss(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : e.GetDouble();

    private static int Count(Match m, string kind) => int.Parse(m.Groups[kind].Value, CultureInfo.InvariantCulture);

    private static Dictionary<string, int> Tally(IEnumerable<(string Outcome, string Regime)> trials)
    {
        var counts = Kinds.ToDictionary(k => k, _ => 0);
        foreach (var (outcome, regime) in trials)
        {
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            if (regime.Length > 0)
            {
                counts[regime] = counts.GetValueOrDefault(regime) + 1;
            }
        }
        return counts;
    }

    /// <summary>The cells of every error-ratio table printed at the end of the sweep (rows "sw2=...").</summary>
    private static double[] TableCells(string stdout) => stdout.Split('\n')
        .Where(l => l.StartsWith("sw2=", StringComparison.Ordinal))
        .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        .Select(c => double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture))
        .ToArray();
}
