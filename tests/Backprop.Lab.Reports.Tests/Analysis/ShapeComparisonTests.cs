using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using Backprop.Lab.Reports.Tests.Support;

namespace Backprop.Lab.Reports.Tests.Analysis;

public class ShapeComparisonTests
{
    private static TrialResult With(TrialResult t, string architecture, string norm) =>
        t with { Config = t.Config with { Architecture = architecture, Norm = norm } };

    [Fact]
    public void Architectures_are_the_lines_of_a_panel_per_activation_and_sigma_w2()
    {
        var trials = new List<TrialResult>();
        foreach (var (architecture, norm) in new[] { ("plain", "none"), ("residual", "none"), ("residual", "layernorm") })
        {
            trials.AddRange(Fixtures.Synthetic(["tanh", "relu"], [3, 5], [1, 2], seeds: 2).Select(t => With(t, architecture, norm)));
        }
        ShapeComparison c = ShapeComparison.Of(trials);
        Assert.Equal(["architecture", "norm"], c.Compared);
        Assert.Equal(["relu, σ_w² = 1", "relu, σ_w² = 2", "tanh, σ_w² = 1", "tanh, σ_w² = 2"], c.Panels.Select(p => p.Title));
        Assert.Equal(["plain, no norm", "residual, layernorm", "residual, no norm"], c.Panels[0].Lines.Select(l => l.Label));
        // Each line holds its architecture's trials of the panel: 2 depths x 2 seeds.
        Assert.All(c.Panels.SelectMany(p => p.Lines), l => Assert.Equal(4, l.Trials.Count));
        Assert.Equal("", c.AveragingNote);
    }

    [Fact]
    public void Without_an_architecture_axis_the_lines_are_sigma_w2_values_in_a_panel_per_activation()
    {
        ShapeComparison c = ShapeComparison.Of(Fixtures.Synthetic(["tanh", "relu"], [4, 8], [0.5, 1, 2]));
        Assert.Empty(c.Compared);
        Assert.Equal(["relu", "tanh"], c.Panels.Select(p => p.Title));
        Assert.Equal(["σ_w² = 0.5", "σ_w² = 1", "σ_w² = 2"], c.Panels[1].Lines.Select(l => l.Label));
    }

    [Fact]
    public void A_point_is_the_median_over_the_seeds_at_its_depth_and_an_axis_it_runs_over_is_named()
    {
        var trials = Fixtures.Synthetic(["tanh"], [4, 8], [1], seeds: 3)
            .Concat(Fixtures.Synthetic(["tanh"], [4, 8], [1], seeds: 3, width: 32)).ToList();
        ShapeComparison c = ShapeComparison.Of(trials);
        Assert.Equal(" Each point is the median over width and seeds.", c.AveragingNote);
        var medians = c.Panels.Single().Lines.Single().Medians(t => t.Config.Width + (double)t.Config.Seed);
        // Values 16, 17, 18, 32, 33, 34 at each depth: the median is (18 + 32) / 2.
        Assert.Equal([(4, 25.0), (8, 25.0)], medians);
    }
}
