using System.Text.Json;
using Backprop.Core.Experiments;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>The sweep view's architectures section and the trial view's Jacobian spectrum, in a real browser over real sweeps.</summary>
[Trait("Category", "Slow")]
public sealed class ArchitecturePageTests(ArchitectureLab lab) : IClassFixture<ArchitectureLab>
{
    private readonly List<string> _errors = [];

    private static readonly string[] Lines = ["plain, layernorm", "plain, no norm", "residual, layernorm", "residual, no norm"];

    [Fact]
    public async Task An_architectures_sweep_shows_the_error_ratio_and_the_jacobian_of_each_architecture_against_depth()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{ArchitectureLab.ArchitectureSweep}");
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        Assert.Equal("Architectures", await page.InnerTextAsync("#architectures h2"));
        Assert.Equal(1, await page.Locator(".arch-panel").CountAsync());
        await page.WaitForSelectorAsync("#arch-jacobian-0 .main-svg");

        // One legend entry per architecture; the solid line of each is the median over its two seeds at each depth.
        JsonElement ratio = await Data(page, "arch-ratio-0");
        JsonElement jacobian = await Data(page, "arch-jacobian-0");
        Assert.Equal(Lines, ratio.EnumerateArray().Where(t => t.GetProperty("mode").GetString() == "lines").Select(t => t.GetProperty("name").GetString()));
        foreach (string line in Lines)
        {
            var trials = lab.Trials.Where(t => Label(t.Config) == line).ToArray();
            Assert.Equal(6, trials.Length);
            AssertMedians(ratio, line, trials, t => t.Summary!.DeltaRatioInit);
            AssertMedians(jacobian, line, trials, t => t.Summary!.JacobianInit!.MeanSquared);
            // Mean-field theory dashed beside the measurement, for every architecture of this sweep (all pre form).
            Assert.Contains(jacobian.EnumerateArray(), t => t.GetProperty("name").GetString() == $"theory, {line}");
        }
        // The stable band 0.1 to 10 behind the ratio chart.
        Assert.Equal("0.1,10", await page.EvaluateAsync<string>("() => { const s = document.getElementById('arch-ratio-0').layout.shapes[0]; return [s.y0, s.y1].join(); }"));

        // Hovering a trial's point names it; clicking opens it.
        TrialResult deepest = lab.Trials.Where(t => Label(t.Config) == "residual, no norm" && t.Config.Depth == 9).OrderBy(t => t.Key, StringComparer.Ordinal).First();
        await page.Locator("#arch-ratio-0").ScrollIntoViewIfNeededAsync();
        var point = await page.EvaluateAsync<JsonElement>($$"""
            () => { const d = document.getElementById('arch-ratio-0'), f = d._fullLayout, b = d.getBoundingClientRect();
                    const t = d.data.find(t => t.name === 'residual, no norm trials'), i = t.customdata.findIndex(c => c[0] === '{{deepest.Key}}');
                    return { x: b.left + f._size.l + f.xaxis.l2p(t.x[i]), y: b.top + f._size.t + f.yaxis.l2p(Math.log10(t.y[i])) }; }
            """);
        await page.Mouse.MoveAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());
        await page.WaitForSelectorAsync("#arch-ratio-0 .hoverlayer .hovertext");
        Assert.Contains(deepest.Key, await page.TextContentAsync("#arch-ratio-0 .hoverlayer .hovertext") ?? "");
        await page.Locator("#architectures").ScreenshotAsync(new LocatorScreenshotOptions { Path = lab.ScreenshotPath("web-architectures.png"), Style = BrowserLab.SectionShot });
        await page.Mouse.ClickAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());
        await page.WaitForSelectorAsync("main[data-ready=trial]");
        Assert.Equal(deepest.Key, await page.InnerTextAsync("#trial-key"));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_section_respects_the_filters_and_a_sweep_of_plain_nets_alone_has_none()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{ArchitectureLab.ArchitectureSweep}?architecture=plain&depth=5&depth=9");
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        await page.WaitForSelectorAsync("#arch-ratio-0 .main-svg");
        JsonElement ratio = await Data(page, "arch-ratio-0");
        Assert.Equal(["plain, layernorm", "plain, no norm"], ratio.EnumerateArray().Where(t => t.GetProperty("mode").GetString() == "lines").Select(t => t.GetProperty("name").GetString()));
        Assert.All(ratio.EnumerateArray(), t => Assert.All(t.GetProperty("x").EnumerateArray(), x => Assert.Contains(x.GetInt32(), new[] { 5, 9 })));

        await page.GotoAsync($"{lab.Server.Url}#/sweep/{ArchitectureLab.PlainSweep}");
        await page.WaitForFunctionAsync($"() => document.getElementById('sweep-name')?.textContent === '{ArchitectureLab.PlainSweep}' && document.getElementById('main').dataset.ready === 'sweep'");
        Assert.Equal(0, await page.Locator("#architectures > *").CountAsync());
        Assert.Equal(0, await page.Locator(".arch-panel").CountAsync());
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_trial_view_shows_the_jacobian_spectrum_at_initialisation_and_at_the_end_with_its_statistics()
    {
        TrialResult trial = lab.Trials.Where(t => Label(t.Config) == "plain, no norm" && t.Config.Depth == 9).OrderBy(t => t.Key, StringComparer.Ordinal).First();
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/trial/{ArchitectureLab.ArchitectureSweep}/{trial.Key}");
        await page.WaitForSelectorAsync("main[data-ready=trial]");
        await page.WaitForSelectorAsync("#jacobian-hist .main-svg");
        await AssertSpectrum(page, trial);
        await page.Locator("#jacobian").ScreenshotAsync(new LocatorScreenshotOptions { Path = lab.ScreenshotPath("web-trial-jacobian.png"), Style = BrowserLab.SectionShot });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_exported_report_has_the_architectures_section_and_the_trials_spectra()
    {
        string export = Path.Combine(lab.Folder(ArchitectureLab.ArchitectureSweep), "report", "sweep.html");
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(new Uri(export).AbsoluteUri);
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        await page.WaitForSelectorAsync("#arch-jacobian-0 .main-svg");
        Assert.Equal(Lines.Length, (await Data(page, "arch-ratio-0")).EnumerateArray().Count(t => t.GetProperty("mode").GetString() == "lines"));

        TrialResult trial = lab.Trials.Where(t => Label(t.Config) == "residual, layernorm").OrderBy(t => t.Key, StringComparer.Ordinal).First();
        await page.EvaluateAsync($"() => {{ location.hash = '#/trial/{ArchitectureLab.ArchitectureSweep}/{trial.Key}'; }}");
        await page.WaitForSelectorAsync("main[data-ready=trial]");
        await page.WaitForSelectorAsync("#jacobian-hist .main-svg");
        await AssertSpectrum(page, trial);
        Assert.Empty(_errors);
    }

    /// <summary>The statistics table holds the stored numbers; the histogram's fractions and the unresolved share add up to 1.</summary>
    private static async Task AssertSpectrum(IPage page, TrialResult trial)
    {
        JacobianSpectrum init = trial.Summary!.JacobianInit!, final = trial.Summary.JacobianFinal!;
        string row = await page.InnerTextAsync("#jacobian-stats tbody tr:nth-child(4)");
        Assert.Contains(Fmt(init.MeanSquared), row);
        Assert.Contains(Fmt(final.MeanSquared), row);
        Assert.NotEqual("—", await page.InnerTextAsync("#jacobian-predicted"));
        JsonElement traces = await Data(page, "jacobian-hist");
        Assert.Equal(2, traces.GetArrayLength());
        double total = traces[0].GetProperty("y").EnumerateArray().Sum(v => v.GetDouble());
        double unresolved = await page.EvaluateAsync<double>("() => { const m = /\\((\\d+)% unresolved\\)/.exec(document.getElementById('jacobian-hist').data[0].name); return m ? Number(m[1]) / 100 : 0; }");
        Assert.InRange(total + unresolved, 0.995, 1.005);
    }

    private static void AssertMedians(JsonElement traces, string line, TrialResult[] trials, Func<TrialResult, double> value)
    {
        JsonElement median = traces.EnumerateArray().Single(t => t.GetProperty("name").GetString() == line);
        int[] depths = median.GetProperty("x").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Assert.Equal([3, 5, 9], depths);
        double[] ys = median.GetProperty("y").EnumerateArray().Select(y => y.GetDouble()).ToArray();
        for (int i = 0; i < depths.Length; i++)
        {
            double expected = trials.Where(t => t.Config.Depth == depths[i]).Average(value); // two seeds: the median is their mean
            Assert.Equal(expected, ys[i], expected * 1e-12);
        }
    }

    private static async Task<JsonElement> Data(IPage page, string id) =>
        await page.EvaluateAsync<JsonElement>($"() => document.getElementById('{id}').data.map(t => ({{ name: t.name, mode: t.mode, x: t.x, y: t.y }}))");

    private static string Label(TrialConfig c) => $"{c.Architecture}, {(c.Norm == "none" ? "no norm" : c.Norm)}";

    /// <summary>A number as the page prints it with four significant digits.</summary>
    private static string Fmt(double v)
    {
        double a = Math.Abs(v);
        return a >= 1e4 || a < 1e-3 ? v.ToString("0.000e+0", System.Globalization.CultureInfo.InvariantCulture).Replace("e+", "e+", StringComparison.Ordinal)
            : double.Parse(v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
