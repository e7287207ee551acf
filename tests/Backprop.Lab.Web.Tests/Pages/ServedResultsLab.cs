using Backprop.Lab.Web.Serving;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// A temporary folder whose results/ a subclass fills with real results folders (<see cref="MakeResultsAsync"/>), the real
/// server over results/, and headless Chromium; all removed afterwards.
/// </summary>
public abstract class ServedResultsLab(string prefix) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public string Root { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string ResultsRoot => Path.Combine(Root, "results");

    public LabServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Writes the results folders under <see cref="ResultsRoot"/> before the server starts.</summary>
    protected abstract Task MakeResultsAsync();

    public async Task InitializeAsync()
    {
        await MakeResultsAsync();
        Server = await LabServer.StartAsync([ResultsRoot], 0);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = BrowserLab.Chromium, Headless = true });
    }

    /// <summary>A new page of 1400 x 900 whose console errors and uncaught exceptions are collected in <paramref name="errors"/>.</summary>
    public Task<IPage> NewPageAsync(List<string> errors) => BrowserLab.OpenPageAsync(Browser, errors);

    /// <summary>Where screenshots go: the folder named by LAB_WEB_SCREENSHOTS, else the temporary root.</summary>
    public string ScreenshotPath(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("LAB_WEB_SCREENSHOTS") is { Length: > 0 } d ? d : Root, name);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
