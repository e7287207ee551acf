using System.Diagnostics;
using Backprop.Lab.Reports.Tests.Support;
using Backprop.Tests.Shared;
using Xunit.Abstractions;

namespace Backprop.Lab.Reports.Tests;

/// <summary>
/// A report of 2,000 synthetic trials renders completely (a large sweep's size). The time is printed for the
/// benchmark, never asserted: speed is measured, not tested.
/// </summary>
public sealed class LargeReportTests(ITestOutputHelper output) : TempDirectory
{
    [Fact]
    public void A_report_of_2000_trials_renders_every_figure()
    {
        // 2 activations x 10 depths x 20 scales x 5 seeds, depth up to 50, 3 checkpoints each.
        var trials = Fixtures.Synthetic(["tanh", "relu"], [4, 8, 12, 16, 20, 25, 30, 35, 40, 50],
            Enumerable.Range(0, 20).Select(i => 0.4 * Math.Pow(1.17, i)).ToArray(), seeds: 5);
        Assert.Equal(2000, trials.Count);
        string dir = Fixtures.ResultsFolder(Path, trials);
        var clock = Stopwatch.StartNew();
        ReportOutcome outcome = ReportRenderer.Render(dir);
        output.WriteLine($"2000 trials: {clock.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores, {outcome.Figures.Count} figures");
        Assert.True(outcome.Rendered);
        Assert.Equal(2000, outcome.TrialsRead);
        Assert.Equal(10, outcome.Figures.Count);
        Assert.Empty(outcome.Skipped);
    }
}
