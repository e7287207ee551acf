using Backprop.Lab.Web.Serving;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// A real results folder (<see cref="LabResults"/>), the real server over its results/ folder on a free loopback port,
/// and Debian's Chromium driven by Playwright (headless, launched from its executable: no browser is downloaded).
/// </summary>
public sealed class BrowserLab : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium (.ci/run installs the package).</summary>
    public const string Chromium = "/usr/bin/chromium";

    public LabResults Results { get; } = new();

    public LabServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    private IPlaywright _playwright = null!;

    public async Task InitializeAsync()
    {
        Server = await LabServer.StartAsync([Results.ResultsRoot], 0);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
    }

    /// <summary>A new page of 1400 x 900 whose console errors and uncaught exceptions are collected in <paramref name="errors"/>.</summary>
    public Task<IPage> NewPageAsync(List<string> errors) => OpenPageAsync(Browser, errors);

    /// <summary>A new page of <paramref name="browser"/>, 1400 x 900, whose console errors and uncaught exceptions are collected in <paramref name="errors"/>.</summary>
    public static async Task<IPage> OpenPageAsync(IBrowser browser, List<string> errors)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add($"console: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add($"page error: {error}");
            }
        };
        return page;
    }

    /// <summary>
    /// The style for a screenshot of one section of a page: the sticky page header, which would cover the section's
    /// top once it is scrolled into view, is left out.
    /// </summary>
    public const string SectionShot = "header { display: none; }";

    /// <summary>Where screenshots go: the folder named by LAB_WEB_SCREENSHOTS (docs/images when refreshing them), else a temporary one.</summary>
    public string ScreenshotPath(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("LAB_WEB_SCREENSHOTS") is { Length: > 0 } d ? d : Results.Root, name);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Server.DisposeAsync();
        Results.Dispose();
    }
}
