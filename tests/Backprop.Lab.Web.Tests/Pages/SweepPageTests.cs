using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Backprop.Core.Experiments;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>The pages in a real browser over a real sweep's results folder.</summary>
[Trait("Category", "Slow")]
public sealed class SweepPageTests(BrowserLab lab) : IClassFixture<BrowserLab>
{
    private readonly List<string> _errors = [];

    private const string Phase = "phase-0-delta_init";

    [Fact]
    public async Task The_sweep_view_loads_without_errors_and_its_phase_diagram_shows_the_stored_numbers()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{LabResults.SweepName}");
        await Drawn(page);

        // Group 0 is relu (groups are in activation order); rows ascending depth, columns ascending sigma_w^2.
        Assert.Equal("relu", await page.EvalOnSelectorAsync<string>("#group-0", "e => e.dataset.group"));
        double?[][] z = await PlotZ(page, Phase);
        double?[][] expected = Expected("relu");
        Assert.Equal(expected.Length, z.Length);
        for (int r = 0; r < expected.Length; r++)
        {
            for (int c = 0; c < expected[r].Length; c++)
            {
                Assert.Equal(expected[r][c]!.Value, z[r][c]!.Value, 12);
            }
        }
        // Depths 2, 4, 6 are a linear grid: a linear axis at the depths themselves, no index labels.
        Assert.True(await page.EvaluateAsync<bool>($"() => {{ const d = document.getElementById('{Phase}'); return d._fullLayout.yaxis.type === 'linear' && d.layout.yaxis.tickvals === undefined && d.data[0].y.join() === '2,4,6'; }}"));
        // Each panel is drawn at its own width, a third of the row: its 4 columns of cell text in one size, at least 12 px.
        int[] sizes = await page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#group-0 .phase')].map(d => d.data[0].textfont.size)");
        Assert.Equal(3, sizes.Length);
        Assert.All(sizes, size => Assert.InRange(size, 12, 14));
        Assert.True(await page.EvaluateAsync<bool>("() => [...document.querySelectorAll('#group-0 .phase')].every(d => Math.abs(d._fullLayout.width - d.clientWidth) < 1)"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = lab.ScreenshotPath("web-sweep.png"), FullPage = false });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task Hovering_a_cell_shows_its_trials_and_their_numbers_and_clicking_opens_the_trial_view()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{LabResults.SweepName}");
        await Drawn(page);
        ILocator div = page.Locator($"#{Phase}");
        await div.ScrollIntoViewIfNeededAsync();
        (int row, int column) = (1, 2);
        var point = await page.EvaluateAsync<JsonElement>($$"""
            () => { const d = document.getElementById('{{Phase}}'), f = d._fullLayout, b = d.getBoundingClientRect();
                    return { x: b.left + f._size.l + f.xaxis.l2p(d.data[0].x[{{column}}]), y: b.top + f._size.t + f.yaxis.l2p(d.data[0].y[{{row}}]) }; }
            """);
        await page.Mouse.MoveAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());

        // depth 4 (second row), sigma_w^2 = 2 (third column) of relu: two seeds.
        var cell = lab.Results.Trials.Where(t => t.Config.Activation == "relu" && t.Config.Depth == 4 && t.Config.SigmaW2 == 2).OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, cell.Length);
        await page.Locator("#cell-detail li[data-key]").Nth(1).WaitForAsync();
        foreach (TrialResult t in cell)
        {
            string text = await page.InnerTextAsync($"#cell-detail li[data-key='{t.Key}']");
            Assert.Contains($"seed {t.Config.Seed}", text);
            Assert.Contains($"ratio {Fmt(t.Summary!.DeltaRatioInit)}", text);
            Assert.Contains($"χ₁ measured {Fmt(Math.Exp(t.Summary.LogSlopeMeasured!.Value))}", text);
        }
        string label = await page.TextContentAsync(".hoverlayer .hovertext") ?? "";
        Assert.Contains(cell[0].Key, label);
        Assert.Contains("L = 4", label);

        await page.Mouse.ClickAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());
        await page.WaitForSelectorAsync("main[data-ready=trial]");
        string key = await page.InnerTextAsync("#trial-key");
        Assert.Contains(key, cell.Select(t => t.Key));
        TrialResult trial = cell.Single(t => t.Key == key);
        // Every checkpoint's layers are in the table of the checkpoint shown (the first), the readout layer named.
        Assert.Equal(trial.Checkpoints[0].Layers.Count, await page.Locator("#checkpoint-table tbody tr").CountAsync());
        Assert.Equal("readout", await page.InnerTextAsync("#checkpoint-table tbody tr:last-child td:first-child"));
        await page.WaitForSelectorAsync("#trial-grad-map .main-svg");
        double?[][] map = await PlotZ(page, "trial-grad-map");
        Assert.Equal(Math.Log10(trial.Checkpoints[^1].Layers[0].GradWNorm), map[0][^1]!.Value, 12);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = lab.ScreenshotPath("web-trial.png"), FullPage = false });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task A_sweep_started_after_the_page_opened_appears_and_grows_as_its_trials_are_saved()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(lab.Server.Url);
        await page.WaitForSelectorAsync("main[data-ready=list]");

        // A new results folder, written the way lab sweep writes it: sweep.json, then one line appended per finished trial.
        string folder = Path.Combine(lab.Results.ResultsRoot, "live-sweep");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "sweep.json"), LabResults.SweepText.Replace("web-tiny", "live-sweep", StringComparison.Ordinal));
        string trials = Path.Combine(folder, "trials.jsonl");
        File.WriteAllText(trials, "");
        await page.Locator("a.sweep-link", new PageLocatorOptions { HasText = "live-sweep" }).ClickAsync();
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        Assert.Equal("0", await page.InnerTextAsync("#trial-count"));

        string[] lines = File.ReadAllLines(Path.Combine(lab.Results.Folder, "trials.jsonl"));
        var latencies = new List<double>();
        for (int n = 1; n <= 6; n++)
        {
            // Half a line first: the page must not take a torn line for a trial (nor list it as unreadable).
            string line = lines[n - 1];
            await using (var stream = new FileStream(trials, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line[..(line.Length / 2)]));
            }
            var clock = Stopwatch.StartNew();
            await using (var stream = new FileStream(trials, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line[(line.Length / 2)..] + "\n"));
            }
            await page.WaitForSelectorAsync($"#trial-count:text-is('{n}')");
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        await page.WaitForSelectorAsync("#phase-0-delta_init .main-svg");
        Assert.Equal("", await page.InnerTextAsync("#skipped"));
        Console.WriteLine($"live update latency, append to page: {string.Join(", ", latencies.Select(l => l.ToString("F0", CultureInfo.InvariantCulture)))} ms");
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_exported_report_opened_from_a_file_draws_its_charts_with_the_stored_numbers()
    {
        string export = Path.Combine(lab.Results.Folder, "report", "sweep.html");
        Assert.True(File.Exists(export), "lab sweep wrote report/sweep.html");
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(new Uri(export).AbsoluteUri);
        await Drawn(page);
        double?[][] z = await PlotZ(page, Phase);
        double?[][] expected = Expected("relu");
        Assert.Equal(expected.SelectMany(r => r).Select(v => Math.Round(v!.Value, 12)), z.SelectMany(r => r).Select(v => Math.Round(v!.Value, 12)));
        Assert.True(await page.Locator("#training-loss .main-svg").CountAsync() > 0);
        Assert.True(await page.Locator("#chi1-layers .scatterlayer .point").CountAsync() > 0);
        Assert.Empty(_errors);
    }

    /// <summary>Waits for the sweep view and its first phase diagram to be drawn.</summary>
    private static async Task Drawn(IPage page)
    {
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        await page.WaitForSelectorAsync($"#{Phase} .main-svg");
    }

    private static async Task<double?[][]> PlotZ(IPage page, string id) =>
        (await page.EvaluateAsync<double?[][]>($"() => document.getElementById('{id}').data[0].z"))!;

    /// <summary>log10 |delta_1|/|delta_L| at initialisation, mean over seeds, by depth and sigma_w^2, from trials.jsonl alone.</summary>
    private double?[][] Expected(string activation)
    {
        var trials = lab.Results.Trials.Where(t => t.Config.Activation == activation).ToArray();
        int[] depths = trials.Select(t => t.Config.Depth).Distinct().Order().ToArray();
        double[] sw2 = trials.Select(t => t.Config.SigmaW2).Distinct().Order().ToArray();
        return depths.Select(d => sw2.Select(s => (double?)trials.Where(t => t.Config.Depth == d && t.Config.SigmaW2 == s)
            .Average(t => Math.Log10(t.Summary!.DeltaRatioInit))).ToArray()).ToArray();
    }

    /// <summary>A number as the page prints it (three significant digits) for values between 1e-3 and 1e4.</summary>
    private static string Fmt(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
