using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using Backprop.Lab.Reports.Figures;
using Backprop.Lab.Reports.Tests.Support;

namespace Backprop.Lab.Reports.Tests.Analysis;

/// <summary>A phase diagram's trials never mix values of another swept axis without saying so.</summary>
public class ActivationGroupTests
{
    private static readonly ReportOptions Options = new(Width: 500, Height: 350);

    private static List<TrialResult> With(IEnumerable<TrialResult> trials, Func<TrialConfig, TrialConfig> change) =>
        trials.Select(t => t with { Config = change(t.Config) }).Select(t => t with { Key = t.Config.Key() }).ToList();

    [Fact]
    public void A_swept_learning_rate_gives_one_group_and_one_set_of_figures_per_value()
    {
        var trials = new[] { 0.5, 0.005 }.SelectMany(lr => With(Fixtures.Synthetic(["tanh"], [4, 8], [0.5, 1, 2]), c => c with { LearningRate = lr })).ToList();
        var groups = ActivationGroup.From(trials);
        Assert.Equal(["tanh, learning_rate = 0.005", "tanh, learning_rate = 0.5"], groups.Select(g => g.Name));
        Assert.All(groups, g => Assert.Equal(6, g.Trials.Count));
        Assert.All(groups, g => Assert.Single(g.Trials.Select(t => t.Config.LearningRate).Distinct()));
        Assert.Equal(["phase-tanh-learning-rate-0-005", "phase-tanh-learning-rate-0-5"], groups.Select(g => PhaseDiagramFigure.Build(g, Options).Name));
    }

    [Fact]
    public void Each_sigma_b_is_drawn_at_its_own_critical_line()
    {
        var trials = new[] { 0.0, 0.3 }.SelectMany(sb => With(Fixtures.Synthetic(["tanh"], [4], [0.5, 1, 2]), c => c with { SigmaB = sb })).ToList();
        var groups = ActivationGroup.From(trials);
        Assert.Equal([0.0, 0.3], groups.Select(g => g.SigmaB));
        Assert.Empty(groups.SelectMany(g => g.Excluded));
    }

    [Fact]
    public void An_axis_of_too_many_values_is_averaged_and_every_figure_of_the_group_says_so()
    {
        double[] rates = Enumerable.Range(1, Facets.MaxFacets + 1).Select(i => i / 100.0).ToArray();
        var trials = rates.SelectMany(lr => With(Fixtures.Synthetic(["tanh"], [4, 8], [0.5, 2]), c => c with { LearningRate = lr })).ToList();
        ActivationGroup group = Assert.Single(ActivationGroup.From(trials));
        Assert.Equal("tanh", group.Name);
        const string note = "Each value also averages over learning_rate (13 values).";
        Assert.Contains(note, PhaseDiagramFigure.Build(group, Options).Caption);
        Assert.Contains(note, TrainabilityMapFigure.Build(group, Options).Caption);
        Assert.Contains(note, GradientProfileFigure.Build(group, Options).Caption);
        Assert.EndsWith(note, ActivationFindings.Of(group).Sentence());
    }

    [Fact]
    public void A_sigma_b_of_too_many_values_is_not_averaged_the_most_common_is_drawn()
    {
        double[] biases = Enumerable.Range(0, Facets.MaxFacets + 1).Select(i => i / 100.0).ToArray();
        var trials = biases.SelectMany(sb => With(Fixtures.Synthetic(["tanh"], [4], [0.5, 2], seeds: sb == 0 ? 2 : 1), c => c with { SigmaB = sb })).ToList();
        ActivationGroup group = Assert.Single(ActivationGroup.From(trials));
        Assert.Equal(0.0, group.SigmaB);
        Assert.All(group.Trials, t => Assert.Equal(0.0, t.Config.SigmaB));
        Assert.Empty(group.Averaged);
        Assert.Contains(group.Excluded, s => s.Why.Contains("sigma_b other than the most common 0", StringComparison.Ordinal));
    }
}
