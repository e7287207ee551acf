using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Folders;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>Two sweeps side by side: picked in the list, drawn on one colour scale per kind of chart.</summary>
[Trait("Category", "Slow")]
public sealed class ComparePageTests(BrowserLab lab) : IClassFixture<BrowserLab>
{
    private readonly List<string> _errors = [];

    /// <summary>A second sweep whose deep tanh and wide weight scales reach further than web-tiny's phase range.</summary>
    private const string Deep = """
        { "name": "web-deep",
          "base": { "width": 16, "init": "gaussian", "sigma_b": 0.0, "dataset": "teacher", "samples": 64, "batch_size": 32,
                    "steps": 10, "learning_rate": 0.05, "optimizer": "sgd", "record_every": 5, "seeds": 1 },
          "grid": { "activation": ["tanh"], "depth": [4, 24], "sigma_w2": [0.25, 1, 8] } }
        """;

    [Fact]
    public async Task Two_sweeps_picked_in_the_list_are_drawn_side_by_side_on_the_same_colour_ranges()
    {
        string folder = Path.Combine(lab.Results.ResultsRoot, "web-deep");
        LabSweep.Run(lab.Results.Root, "web-deep", Deep, folder);
        var deep = Backprop.Lab.Reports.StoredResults.Load(folder);
        SweepView tiny = SweepView.Of(new SweepSnapshot("web-tiny", "web-tiny", lab.Results.Folder, 1, null, lab.Results.Trials, []));
        SweepView other = SweepView.Of(new SweepSnapshot("web-deep", "web-deep", folder, 1, null, deep.Trials, []));
        Assert.NotEqual(tiny.PhaseRange, other.PhaseRange); // otherwise sharing the scale would prove nothing

        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(lab.Server.Url);
        await page.WaitForSelectorAsync("tr[data-sweep='web-deep'] input.compare-pick");
        await page.CheckAsync("tr[data-sweep='web-tiny'] input.compare-pick");
        Assert.True(await page.IsDisabledAsync("#compare-button"));
        await page.CheckAsync("tr[data-sweep='web-deep'] input.compare-pick");
        await page.ClickAsync("#compare-button");
        await page.WaitForSelectorAsync("main[data-ready=compare]");
        // Side by side in the list's order.
        Assert.Equal(["web-deep", "web-tiny"], new[] { await page.InnerTextAsync("#compare-a"), await page.InnerTextAsync("#compare-b") }.Order());

        // Both sweeps' tanh group, and web-tiny's relu with a note on web-deep's side.
        double range = Math.Max(tiny.PhaseRange, other.PhaseRange);
        double[] loss = [Math.Min(tiny.LossRange[0], other.LossRange[0]), Math.Max(tiny.LossRange[1], other.LossRange[1])];
        var phases = await Ranges(page, "[id^=cmp-phase-]");
        var maps = await Ranges(page, "[id^=cmp-train-]");
        Assert.Equal(3, phases.Count); // relu of web-tiny, tanh of both
        Assert.All(phases, r => Assert.Equal((-range, range), r));
        Assert.Equal(3, maps.Count);
        Assert.All(maps, r => Assert.Equal((loss[0], loss[1]), r));
        Assert.Contains("has no relu group", await page.InnerTextAsync("#compare-groups"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = lab.ScreenshotPath("web-compare.png"), FullPage = false });
        Assert.Empty(_errors);
    }

    /// <summary>(zmin, zmax) of the first trace of every drawn plotly chart matching the selector.</summary>
    private static async Task<List<(double, double)>> Ranges(IPage page, string selector)
    {
        double[][] pairs = (await page.EvaluateAsync<double[][]>(
            $"() => [...document.querySelectorAll('{selector}')].filter(d => d.data).map(d => [d.data[0].zmin, d.data[0].zmax])"))!;
        return pairs.Select(p => (p[0], p[1])).ToList();
    }
}
