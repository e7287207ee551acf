using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Tests.Support;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Reports.Tests;

/// <summary>A sweep over architectures gets the figure that compares them; a sweep over none does not.</summary>
public sealed class ArchitectureReportTests : TempDirectory
{
    private static readonly ReportOptions Small = new(Width: 500, Height: 350);

    [Fact]
    public void A_sweep_over_plain_and_residual_nets_gets_the_architectures_figure()
    {
        var trials = new List<TrialResult>();
        foreach (string architecture in new[] { "plain", "residual" })
        {
            foreach (int depth in new[] { 3, 9 })
            {
                trials.Add(TrialRunner.Run(new TrialConfig
                {
                    Architecture = architecture, Depth = depth, Width = 16, Dataset = "teacher", Samples = 32, BatchSize = 32,
                    Steps = 10, RecordEvery = 5, LearningRate = 0.001, SigmaW2 = 0.5, SigmaB = 0.2, Jacobian = JacobianMode.Off,
                }));
            }
        }
        string dir = Fixtures.ResultsFolder(Path, trials);
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.Empty(outcome.Skipped);
        Assert.Contains(outcome.Figures, f => f.Name == "architectures");
        Assert.True(File.Exists(System.IO.Path.Combine(dir, "report", "figures", "architectures.png")));
    }

    [Fact]
    public void The_plain_networks_mean_field_lines_are_drawn_for_plain_facets_only()
    {
        var trials = new List<TrialResult>();
        foreach (string architecture in new[] { "plain", "residual" })
        {
            foreach (double sw2 in new[] { 0.5, 1.0, 2.0 })
            {
                trials.Add(TrialRunner.Run(new TrialConfig
                {
                    Architecture = architecture, Depth = 3, Width = 16, Dataset = "teacher", Samples = 32, BatchSize = 32, Steps = 0,
                    SigmaW2 = sw2, SigmaB = 0.2, Jacobian = JacobianMode.Off,
                }));
            }
        }
        var groups = Backprop.Lab.Reports.Analysis.ActivationGroup.From(trials);
        var plain = Assert.Single(groups, g => g.Trials.All(t => t.Config.Architecture == "plain"));
        var residual = Assert.Single(groups, g => g.Trials.All(t => t.Config.Architecture == "residual"));
        Assert.True(plain.PlainTheory);
        Assert.NotNull(Backprop.Lab.Reports.Analysis.TheoryCurves.CriticalSw2(plain));
        Assert.False(residual.PlainTheory);
        Assert.Null(Backprop.Lab.Reports.Analysis.TheoryCurves.CriticalSw2(residual));
        Assert.Contains("not drawn here", Backprop.Lab.Reports.Figures.PhaseDiagramFigure.Build(residual, Small)!.Caption, StringComparison.Ordinal);
        Assert.DoesNotContain("not drawn here", Backprop.Lab.Reports.Figures.PhaseDiagramFigure.Build(plain, Small)!.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_of_plain_nets_alone_has_no_architectures_figure()
    {
        string dir = Fixtures.ResultsFolder(Path, Fixtures.Synthetic(["tanh"], [4, 8], [1, 2]));
        ReportOutcome outcome = ReportRenderer.Render(dir, Small);
        Assert.DoesNotContain(outcome.Figures, f => f.Name == "architectures");
    }
}
