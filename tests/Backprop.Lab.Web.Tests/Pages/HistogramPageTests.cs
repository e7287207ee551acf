using System.Text.Json;
using Backprop.Core.Experiments;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>The histogram charts of the trial view and of the sweep view's hovered cell, against trials.jsonl's counts.</summary>
[Trait("Category", "Slow")]
public sealed class HistogramPageTests(BrowserLab lab) : IClassFixture<BrowserLab>
{
    private readonly List<string> _errors = [];

    [Fact]
    public async Task The_trial_views_heatmap_shows_the_stored_counts_of_the_chosen_layer_at_every_checkpoint()
    {
        // A relu trial: zeros (dead units) in its activations as well as both signs in its gradients.
        TrialResult trial = lab.Results.Trials.Where(t => t.Config.Activation == "relu" && t.Config.Depth == 4 && t.Config.SigmaW2 == 2)
            .OrderBy(t => t.Key, StringComparer.Ordinal).First();
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/trial/{LabResults.SweepName}/{trial.Key}");
        await page.WaitForSelectorAsync("main[data-ready=trial]");
        await page.WaitForSelectorAsync("#hist-grad .main-svg");
        const int layer = 2; // 1-based: the second hidden layer
        await page.SelectOptionAsync("#hist-layer", (layer - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.WaitForFunctionAsync("() => document.getElementById('hist-grad').layout.title.text.endsWith('layer 2')");

        foreach ((string div, Func<LayerStats, Histogram?> of) in new (string, Func<LayerStats, Histogram?>)[] { ("hist-grad", l => l.GradHist), ("hist-act", l => l.ActHist), ("hist-delta", l => l.DeltaHist) })
        {
            string[] rows = (await page.EvalOnSelectorAsync<string>($"#{div}", "d => d.dataset.rows")).Split(',');
            double?[][] counts = (await page.EvaluateAsync<double?[][]>($"() => document.getElementById('{div}').data[0].customdata"))!;
            string[] steps = (await page.EvaluateAsync<string[]>($"() => document.getElementById('{div}').data[0].x"))!;
            Assert.Equal(trial.Checkpoints.Select(c => c.Step.ToString(System.Globalization.CultureInfo.InvariantCulture)), steps);
            for (int j = 0; j < trial.Checkpoints.Count; j++)
            {
                Histogram h = of(trial.Checkpoints[j].Layers[layer - 1])!;
                for (int r = 0; r < rows.Length; r++)
                {
                    Assert.Equal(Stored(h, rows[r]), counts[r][j]);
                }
                // The rows cover every entry: nothing stored is left off the chart.
                Assert.Equal(h.Total, counts.Sum(row => (long)row[j]!.Value));
            }
        }
        Assert.Contains("zero", (await page.EvalOnSelectorAsync<string>("#hist-act", "d => d.dataset.rows")).Split(','));
        var shot = page.Locator("#histograms");
        await shot.ScrollIntoViewIfNeededAsync();
        await shot.ScreenshotAsync(new LocatorScreenshotOptions { Path = lab.ScreenshotPath("web-trial-histograms.png"), Style = BrowserLab.SectionShot });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task Hovering_a_phase_cell_shows_its_trials_first_and_last_layer_gradient_histograms_at_initialisation()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{LabResults.SweepName}");
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        const string phase = "phase-0-delta_init";
        await page.WaitForSelectorAsync($"#{phase} .main-svg");
        await page.Locator($"#{phase}").ScrollIntoViewIfNeededAsync();
        (int row, int column) = (2, 0); // relu, depth 6, sigma_w^2 = 0.5
        var point = await page.EvaluateAsync<JsonElement>($$"""
            () => { const d = document.getElementById('{{phase}}'), f = d._fullLayout, b = d.getBoundingClientRect();
                    return { x: b.left + f._size.l + f.xaxis.l2p(d.data[0].x[{{column}}]), y: b.top + f._size.t + f.yaxis.l2p(d.data[0].y[{{row}}]) }; }
            """);
        await page.Mouse.MoveAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());
        await page.WaitForSelectorAsync("#cell-hist[data-key] .main-svg");
        string key = await page.EvalOnSelectorAsync<string>("#cell-hist", "d => d.dataset.key");
        TrialResult trial = lab.Results.Trials.Single(t => t.Key == key);
        Assert.Equal(("relu", 6, 0.5), (trial.Config.Activation, trial.Config.Depth, trial.Config.SigmaW2));

        string[] labels = (await page.EvaluateAsync<string[]>("() => document.getElementById('cell-hist').data[0].x"))!;
        double[] first = (await page.EvaluateAsync<double[]>("() => document.getElementById('cell-hist').data[0].y"))!;
        double[] last = (await page.EvaluateAsync<double[]>("() => document.getElementById('cell-hist').data[1].y"))!;
        // Layer 1 and layer L = 6 of the trial at step 0, bar for bar (labels are the bins' lower edges).
        foreach ((double[] bars, Histogram h) in new[] { (first, trial.Checkpoints[0].Layers[0].GradHist!), (last, trial.Checkpoints[0].Layers[5].GradHist!) })
        {
            Dictionary<string, int> stored = ByLabel(h);
            Assert.Equal(h.Total, bars.Sum());
            Assert.All(stored.Keys, label => Assert.Contains(label, labels));
            for (int i = 0; i < labels.Length; i++)
            {
                Assert.Equal(stored.GetValueOrDefault(labels[i]), bars[i]);
            }
        }
        await page.Locator(".hover-row").ScreenshotAsync(new LocatorScreenshotOptions { Path = lab.ScreenshotPath("web-sweep-cell-histogram.png"), Style = BrowserLab.SectionShot });
        Assert.Empty(_errors);
    }

    /// <summary>The stored count of a chart row named as the page names it: zero, nan, neg_inf, pos_inf, negK, posK.</summary>
    private static double Stored(Histogram h, string row) => row switch
    {
        "zero" => h.Zero,
        "nan" => h.Nan,
        "neg_inf" => h.NegInf,
        "pos_inf" => h.PosInf,
        _ when row.StartsWith("neg", StringComparison.Ordinal) => h.Count(negative: true, int.Parse(row[3..], System.Globalization.CultureInfo.InvariantCulture)),
        _ => h.Count(negative: false, int.Parse(row[3..], System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>The non-empty counts of a histogram by the page's row labels ("−1.8e-3", "0", "+<1e-40", "NaN").</summary>
    private static Dictionary<string, int> ByLabel(Histogram h)
    {
        var counts = new Dictionary<string, int> { ["0"] = h.Zero, ["NaN"] = h.Nan, ["−∞"] = h.NegInf, ["+∞"] = h.PosInf };
        for (int b = 0; b < Histogram.Bins; b++)
        {
            string edge = b == 0 ? "<1e-40" : b == Histogram.Bins - 1 ? "≥1e10"
                : Histogram.Edge(b - 1).ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture);
            counts["−" + edge] = h.Count(negative: true, b);
            counts["+" + edge] = h.Count(negative: false, b);
        }
        return counts.Where(c => c.Value > 0).ToDictionary(c => c.Key, c => c.Value);
    }
}
