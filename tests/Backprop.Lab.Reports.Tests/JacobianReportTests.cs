using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Tests.Support;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Reports.Tests;

/// <summary>A sweep whose trials measured their Jacobian spectrum gets the two Jacobian figures; one without spectra lists neither.</summary>
public sealed class JacobianReportTests : TempDirectory
{
    private static readonly ReportOptions Small = new(Width: 500, Height: 350);

    private static List<TrialResult> Trials(JacobianMode mode)
    {
        var trials = new List<TrialResult>();
        foreach (string architecture in new[] { "plain", "residual" })
        {
            foreach (int depth in new[] { 3, 7 })
            {
                trials.Add(TrialRunner.Run(new TrialConfig
                {
                    Architecture = architecture, Depth = depth, Width = 12, Dataset = "teacher", Samples = 32, BatchSize = 32,
                    Steps = 5, RecordEvery = 5, LearningRate = 0.001, SigmaW2 = 1, SigmaB = 0.2, Jacobian = mode,
                }));
            }
        }
        return trials;
    }

    [Fact]
    public void A_sweep_with_spectra_gets_the_jacobian_depth_and_spectrum_figures()
    {
        string dir = Fixtures.ResultsFolder(Path, Trials(JacobianMode.Exact));
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.Empty(outcome.Skipped);
        foreach (string name in new[] { "jacobian", "jacobian-spectrum" })
        {
            Assert.Contains(outcome.Figures, f => f.Name == name);
            Assert.True(PngCheck.DistinctColours(File.ReadAllBytes(System.IO.Path.Combine(dir, "report", "figures", name + ".png"))) > 20, name);
        }
    }

    [Fact]
    public void A_sweep_of_estimated_spectra_gets_the_depth_figure_and_no_skipped_spectrum_figure()
    {
        string dir = Fixtures.ResultsFolder(Path, Trials(JacobianMode.Estimate));
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.Empty(outcome.Skipped);
        Assert.Contains(outcome.Figures, f => f.Name == "jacobian");
        Assert.DoesNotContain(outcome.Figures, f => f.Name == "jacobian-spectrum");
    }

    [Fact]
    public void A_sweep_without_spectra_lists_no_jacobian_figure_drawn_or_skipped()
    {
        string dir = Fixtures.ResultsFolder(Path, Fixtures.Synthetic(["tanh"], [4, 8], [1, 2]));
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.DoesNotContain(outcome.Figures, f => f.Name.StartsWith("jacobian", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.Skipped, s => s.What.Contains("jacobian", StringComparison.Ordinal));
    }
}
