using System.Text.Json;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli;
using Backprop.Lab.Reports.Papers;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// A real reproduction's results folder (lab reproduce glorot-bengio-2010 --quick, in process), the real server over it
/// and headless Chromium: the sweep view opens with the claims table and the claim figures, from the server and from the
/// exported file.
/// </summary>
public sealed class ClaimsLab() : ServedResultsLab("backprop-web-claims-")
{
    public const string Sweep = "glorot-bengio-2010-quick";

    public string Folder => Path.Combine(ResultsRoot, Sweep);

    public IReadOnlyList<ClaimResult> Claims { get; private set; } = [];

    protected override Task MakeResultsAsync()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = LabApp.Run(["reproduce", "glorot-bengio-2010", "--quick", "--out", Folder, "--in-process"], stdout, stderr);
        if (exit != ExitCodes.Ok)
        {
            throw new InvalidOperationException($"lab reproduce exited {exit}:\n{stdout}\n{stderr}");
        }
        var trials = File.ReadAllLines(Path.Combine(Folder, "trials.jsonl")).Select(l => ResultFormat.FromJsonLine(l, out _)!).ToArray();
        Claims = Reproductions.Find("glorot-bengio-2010")!.Evaluate(trials);
        return Task.CompletedTask;
    }
}

[Trait("Category", "Slow")]
public sealed class ClaimsPageTests(ClaimsLab lab) : IClassFixture<ClaimsLab>
{
    private readonly List<string> _errors = [];

    [Fact]
    public async Task A_reproductions_sweep_view_opens_with_its_claims_and_draws_each_claim_figure_from_the_same_numbers()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{ClaimsLab.Sweep}");
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        Assert.StartsWith("Claims of Glorot and Bengio (2010)", await page.InnerTextAsync("#claims h2"));
        await AssertTable(page);

        // One chart per distinct figure; the back-propagated gradients' chart plots the claim's own series.
        ClaimFigure[] figures = lab.Claims.Select(c => c.Figure).OfType<ClaimFigure>().Distinct(ReferenceEqualityComparer.Instance).Cast<ClaimFigure>().ToArray();
        await page.WaitForSelectorAsync($"#claim-figure-{figures.Length - 1} .main-svg");
        Assert.Equal(figures.Length, await page.Locator("#claim-figures .chart").CountAsync());
        ClaimFigure backward = lab.Claims.Single(c => c.Id == "normalised-backward").Figure!;
        int index = Array.IndexOf(figures, backward);
        JsonElement traces = await page.EvaluateAsync<JsonElement>($"() => document.getElementById('claim-figure-{index}').data.map(t => ({{ name: t.name, y: t.y }}))");
        foreach (FigureSeries s in backward.Series)
        {
            JsonElement trace = traces.EnumerateArray().Single(t => t.GetProperty("name").GetString() == s.Name);
            Assert.Equal(s.Y, trace.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()));
        }
        Assert.Equal("log", await page.EvaluateAsync<string>($"() => document.getElementById('claim-figure-{index}').layout.yaxis.type"));
        await page.Locator("#claims").ScreenshotAsync(new LocatorScreenshotOptions { Path = lab.ScreenshotPath("web-claims.png"), Style = BrowserLab.SectionShot });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_list_of_sweeps_says_how_many_of_a_reproductions_claims_pass()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}#/");
        await page.WaitForSelectorAsync("main[data-ready=list]");
        Assert.Equal($"{lab.Claims.Count} of {lab.Claims.Count} claims pass",
            await page.InnerTextAsync($"tr[data-sweep='{ClaimsLab.Sweep}'] td.sweep-claims"));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_exported_report_opened_from_a_file_has_the_same_claims()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(new Uri(Path.Combine(lab.Folder, "report", "sweep.html")).AbsoluteUri);
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        await AssertTable(page);
        await page.WaitForSelectorAsync("#claim-figure-0 .main-svg");
        Assert.Empty(_errors);
    }

    /// <summary>Each row holds the claim's five cells as lab reproduce prints them, the verdict coloured by its class.</summary>
    private async Task AssertTable(IPage page)
    {
        var rows = page.Locator("#claims-table tbody tr");
        Assert.Equal(lab.Claims.Count, await rows.CountAsync());
        for (int i = 0; i < lab.Claims.Count; i++)
        {
            ClaimResult c = lab.Claims[i];
            string[] cells = (await rows.Nth(i).Locator("td").AllInnerTextsAsync()).ToArray();
            Assert.Equal([c.Claim, c.PaperValue, c.Measured, c.Tolerance, "PASS"], cells);
            Assert.Contains("pass", await rows.Nth(i).Locator("td.verdict").GetAttributeAsync("class") ?? "");
        }
        Assert.Equal($"{lab.Claims.Count} of {lab.Claims.Count} claims pass. Each claim's reasoning and tolerance: docs/papers/glorot-bengio-2010.md in the repository.",
            await page.InnerTextAsync("#claims-summary"));
    }
}
