using Backprop.Core.Checking;
using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using Backprop.Lab.Reports.Figures;
using Backprop.Lab.Reports.Tests.Support;

namespace Backprop.Lab.Reports.Tests.Figures;

/// <summary>Every figure renders from a fixture to a PNG of its stated size with real content, and to SVG.</summary>
public class FigureTests
{
    private static readonly ReportOptions Options = new(Width: 600, Height: 400);

    private static readonly List<TrialResult> Sweep =
        Fixtures.Synthetic(["tanh", "relu"], [4, 8, 16], [0.5, 1, 2, 4], seeds: 2);

    private static ActivationGroup Tanh => ActivationGroup.From(Sweep).Single(g => g.Name == "tanh");

    private static void AssertRenders(Figure figure, int width, int height)
    {
        Assert.Equal((width, height), (figure.Width, figure.Height));
        PngCheck.Valid(figure.ToPng(), width, height);
        string svg = figure.ToSvg();
        Assert.StartsWith("<svg", svg);
        Assert.Equal(figure.Panels.Count, System.Text.RegularExpressions.Regex.Matches(svg, "<svg x=").Count);
    }

    [Fact]
    public void Phase_diagram_has_init_trained_and_weight_gradient_panels() =>
        AssertRenders(PhaseDiagramFigure.Build(Tanh, Options), (int)(600 * 0.75 * 3), 400);

    [Fact]
    public void Gradient_profile_renders() => AssertRenders(GradientProfileFigure.Build(Tanh, Options), 900, 400);

    [Fact]
    public void Training_curves_render() => AssertRenders(TrainingCurvesFigure.Build(Sweep, Options)!, (int)(600 * 1.8), (int)(400 * 1.1));

    [Fact]
    public void Training_curves_are_absent_when_nothing_trained() =>
        Assert.Null(TrainingCurvesFigure.Build(Fixtures.Synthetic(["tanh"], [4], [1], steps: 0), Options));

    [Fact]
    public void Per_layer_distributions_render()
    {
        var seeds = Sweep.Where(t => t.Config.Activation == "tanh" && t.Config.Depth == 16 && t.Config.SigmaW2 == 1).ToList();
        AssertRenders(LayerDistributionFigure.Build(seeds, Options), 900, 400);
    }

    [Fact]
    public void Trainability_map_renders_with_diverged_cells() =>
        AssertRenders(TrainabilityMapFigure.Build(ActivationGroup.From(Sweep).Single(g => g.Name == "tanh"), Options), 600, 400);

    [Fact]
    public void Chi1_comparison_renders() => AssertRenders(Chi1Figure.Build(Sweep, Options)!, 900, 400);

    [Fact]
    public void Step_size_v_curve_renders_from_a_sweep()
    {
        // The V of a float64 central difference: truncation h^2 |J'''| / 6 against rounding eps |J| / h.
        var points = StepSweep.Steps.Select(h => new SweepPoint(h, 1.0, h * h / 6 + 2.2e-16 / h)).ToList();
        var sweep = new StepSweepResult("2-2-1 tanh", Precision.Double, 0.5,
            [new SweepSeries("W1[1,1]", 1.0, points), new SweepSeries("W2[1,2]", -0.3, points.Select(p => p with { RelativeError = p.RelativeError * 3 }).ToList())]);
        AssertRenders(StepSizeFigure.Build(sweep, Options), 600, 400);
    }

    [Fact]
    public void Figures_save_png_and_svg_files()
    {
        string dir = Directory.CreateTempSubdirectory("figure-").FullName;
        try
        {
            var files = PhaseDiagramFigure.Build(Tanh, Options).Save(dir);
            Assert.Equal(["phase-tanh.png", "phase-tanh.svg"], files);
            Assert.All(files, f => Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 1000));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
