using Backprop.Lab.Web.Serving;
using Backprop.Tests.Shared;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// The real server over an empty results folder (the explain page needs no results) and Debian's Chromium driven by
/// Playwright, as <see cref="BrowserLab"/> launches it.
/// </summary>
public sealed class ExplainBrowser : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IPlaywright _playwright = null!;

    public LabServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string results = Path.Combine(_dir.Path, "results");
        Directory.CreateDirectory(results);
        Server = await LabServer.StartAsync([results], 0);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = BrowserLab.Chromium, Headless = true });
    }

    /// <summary>A new page of 1400 x 900 whose console errors, uncaught exceptions and dialogs are collected in <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageAsync(List<string> errors)
    {
        IPage page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        void Add(string e)
        {
            lock (errors)
            {
                errors.Add(e);
            }
        }
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => Add($"page error: {error}");
        page.Dialog += (_, dialog) => Add($"dialog: {dialog.Message}");
        return page;
    }

    /// <summary>Where screenshots go: the folder named by LAB_WEB_SCREENSHOTS (docs/images when refreshing them), else a temporary one.</summary>
    public string ScreenshotPath(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("LAB_WEB_SCREENSHOTS") is { Length: > 0 } d ? d : _dir.Path, name);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Server.DisposeAsync();
        _dir.Dispose();
    }
}
