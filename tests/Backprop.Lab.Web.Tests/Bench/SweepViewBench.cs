using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Backprop.Lab.Web.Tests.Bench;

/// <summary>
/// How fast the sweep view of a 2,000-trial sweep is, for one or more lab builds measured alternately in one run
/// (bench/web-view.sh): a real sweep (2 activations x 10 depths x 10 sigma_w2 x 10 seeds of width-8 nets, 10 steps,
/// histograms recorded) made by the first build's <c>lab sweep</c>; then per repetition and build, <c>lab serve</c> in
/// a child process and headless Chromium: navigation to the first chart and to every chart drawn (the page's
/// data-ready marker), cold (new browser profile) and warm (reloaded, cached), the time from appending a trial line to
/// trials.jsonl to the page's trial count showing it and to the page redrawn, and <c>lab report</c>'s wall time.
/// Builds: LAB_WEB_BENCH_LABS="label=path/lab.dll;..." (default this build's lab.dll); LAB_WEB_BENCH_REPS (default 3);
/// medians are printed and written to LAB_WEB_BENCH_OUT when set.
/// </summary>
[Trait("Category", "Bench")]
public sealed class SweepViewBench(ITestOutputHelper output)
{
    private const string SweepName = "web-bench";

    private const string SweepText = """
        {
          "name": "web-bench",
          "base": { "width": 8, "init": "gaussian", "sigma_b": 0.0, "dataset": "teacher", "samples": 32, "batch_size": 32,
                    "steps": 10, "learning_rate": 0.05, "optimizer": "sgd", "record_every": 5, "seeds": 10 },
          "grid": { "activation": ["tanh", "relu"], "depth": [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
                    "sigma_w2": { "linear": [0.5, 4], "count": 10 } }
        }
        """;

    // Page-side marks, taken when they happen (not when polled): performance.now() since navigation for the drawing,
    // Date.now() for the live update so it compares with the moment the line was appended.
    private const string Marks = """
        window.__bench = { firstPlot: null, ready: null, count: null, countAt: null, version: null, versionAt: null };
        new MutationObserver(() => {
          const b = window.__bench, main = document.getElementById('main');
          if (!main) return;
          if (b.firstPlot === null && document.querySelector('.js-plotly-plot .main-svg')) b.firstPlot = performance.now();
          if (b.ready === null && main.dataset.ready === 'sweep') b.ready = performance.now();
          const c = document.getElementById('trial-count');
          if (c && c.textContent !== b.count) { b.count = c.textContent; b.countAt = Date.now(); }
          if (main.dataset.version !== b.version) { b.version = main.dataset.version; b.versionAt = Date.now(); }
        }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready', 'data-version'] });
        """;

    private const int Appends = 3;

    [BenchFact]
    public async Task Sweep_view_of_2000_trials()
    {
        ServedLab[] labs = Labs();
        int reps = int.Parse(Environment.GetEnvironmentVariable("LAB_WEB_BENCH_REPS") ?? "3", CultureInfo.InvariantCulture);
        string root = Directory.CreateTempSubdirectory("backprop-web-bench-").FullName;
        try
        {
            string results = Path.Combine(root, "results");
            string folder = Path.Combine(results, SweepName);
            File.WriteAllText(Path.Combine(root, "bench.sweep"), SweepText);
            var (exit, printed) = labs[0].Run("sweep", Path.Combine(root, "bench.sweep"), "--out", folder, "--in-process", "--parallel", "2");
            Assert.True(exit == 0, printed);
            string trials = Path.Combine(folder, "trials.jsonl");
            string[] lines = File.ReadAllLines(trials);
            Assert.Equal(2000, lines.Length);
            long length = new FileInfo(trials).Length;

            var samples = labs.ToDictionary(l => l.Label, _ => new Dictionary<string, List<double>>(StringComparer.Ordinal));
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Pages.BrowserLab.Chromium, Headless = true });
            for (int rep = 0; rep < reps; rep++)
            {
                // Alternate the order, so neither build always runs first after the machine was idle.
                foreach (ServedLab lab in rep % 2 == 0 ? labs : labs.Reverse())
                {
                    var s = samples[lab.Label];
                    await ServeAndMeasure(browser, lab, results, trials, lines[0], rep, s);
                    using (var f = new FileStream(trials, FileMode.Open))
                    {
                        f.SetLength(length);
                    }
                    var clock = Stopwatch.StartNew();
                    (exit, printed) = lab.Run("report", folder);
                    Assert.True(exit == 0, printed);
                    Add(s, "lab report, s", clock.Elapsed.TotalSeconds);
                }
            }
            Report(samples, reps);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task ServeAndMeasure(IBrowser browser, ServedLab lab, string results, string trials, string line, int rep, Dictionary<string, List<double>> s)
    {
        var (server, url) = await lab.ServeAsync(results);
        try
        {
            await using IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            await context.AddInitScriptAsync(Marks);
            IPage page = await context.NewPageAsync();
            foreach (string load in new[] { "cold", "warm" })
            {
                if (load == "cold")
                {
                    await page.GotoAsync($"{url}#/sweep/{SweepName}");
                }
                else
                {
                    await page.ReloadAsync();
                }
                await page.WaitForFunctionAsync("() => window.__bench.ready !== null", null, new PageWaitForFunctionOptions { Timeout = 120_000 });
                Add(s, $"{load} load to plotly.js received, s", await Resource(page, "plotly", "responseEnd"));
                Add(s, $"{load} load to view JSON asked for, s", await Resource(page, "/api/sweeps/", "requestStart"));
                Add(s, $"{load} load to view JSON received, s", await Resource(page, "/api/sweeps/", "responseEnd"));
                Add(s, $"{load} load to first chart, s", await page.EvaluateAsync<double>("() => window.__bench.firstPlot") / 1000);
                Add(s, $"{load} load to every chart drawn, s", await page.EvaluateAsync<double>("() => window.__bench.ready") / 1000);
            }
            for (int i = 0; i < Appends; i++)
            {
                string count = (2001 + i).ToString(CultureInfo.InvariantCulture);
                string version = await page.EvaluateAsync<string>("() => window.__bench.version");
                string appended = line.Replace("\"key\":\"", $"\"key\":\"bench{rep}-{i}-", StringComparison.Ordinal) + "\n";
                long at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await File.AppendAllTextAsync(trials, appended, Encoding.UTF8);
                await page.WaitForFunctionAsync($"() => window.__bench.count === '{count}'", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
                await page.WaitForFunctionAsync($"v => window.__bench.version !== v && document.getElementById('main').dataset.ready === 'sweep'", version, new PageWaitForFunctionOptions { Timeout = 30_000 });
                Add(s, "append to trial count shown, ms", await page.EvaluateAsync<double>("() => window.__bench.countAt") - at);
                Add(s, "append to page redrawn, ms", await page.EvaluateAsync<double>("() => window.__bench.versionAt") - at);
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    /// <summary>A moment of a resource's fetch (resource timing), in seconds since navigation.</summary>
    private static async Task<double> Resource(IPage page, string nameContains, string moment) =>
        await page.EvaluateAsync<double>($"() => performance.getEntriesByType('resource').find(e => e.name.includes('{nameContains}')).{moment}") / 1000;

    private static void Add(Dictionary<string, List<double>> s, string what, double value)
    {
        if (!s.TryGetValue(what, out List<double>? list))
        {
            s[what] = list = [];
        }
        list.Add(value);
    }

    private void Report(Dictionary<string, Dictionary<string, List<double>>> samples, int reps)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"sweep view of {SweepName} (2,000 trials), {reps} repetitions alternating, median [min..max]:");
        foreach (string what in samples.Values.First().Keys)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {what}");
            foreach (var (label, s) in samples)
            {
                double[] v = [.. s[what].Order()];
                text.AppendLine(CultureInfo.InvariantCulture, $"    {label,-12} {Median(v),8:0.###}  [{v[0]:0.###}..{v[^1]:0.###}]");
            }
        }
        output.WriteLine(text.ToString());
        if (Environment.GetEnvironmentVariable("LAB_WEB_BENCH_OUT") is { Length: > 0 } file)
        {
            File.WriteAllText(file, text.ToString());
        }
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    private static ServedLab[] Labs()
    {
        string spec = Environment.GetEnvironmentVariable("LAB_WEB_BENCH_LABS") is { Length: > 0 } v ? v : $"this={Path.Combine(AppContext.BaseDirectory, "lab.dll")}";
        return spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new ServedLab(p[0], Path.GetFullPath(p[1])))
            .ToArray();
    }
}
