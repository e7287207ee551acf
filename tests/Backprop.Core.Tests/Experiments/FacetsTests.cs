using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>Which axes a sweep varies, how trial labels name them, and how views split by them or say they average.</summary>
public class FacetsTests
{
    private static readonly IReadOnlySet<string> Placed = new HashSet<string> { "activation", "depth", "sigma_w2", "init", "seed" };

    private static TrialConfig[] Grid(string field, IEnumerable<object> values) =>
        SweepFile.Parse("s.json", $$"""{ "name": "s", "base": { "seeds": 2 }, "grid": { "depth": [2, 3], "{{field}}": [{{string.Join(", ", values.Select(v => v is string s ? $"\"{s}\"" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))}}] } }""")
            .Expand().Select(t => t.Config).ToArray();

    [Fact]
    public void The_varying_axes_are_the_fields_that_differ_in_field_order()
    {
        TrialConfig[] configs = Grid("learning_rate", [0.5, 0.005]);
        Assert.Equal(["depth", "learning_rate", "seed"], SweepAxes.Varying(configs));
        Assert.Empty(SweepAxes.Varying([new TrialConfig(), new TrialConfig()]));
    }

    [Fact]
    public void Labels_name_every_varying_axis_so_no_two_trials_of_a_sweep_look_alike()
    {
        TrialConfig[] configs = Grid("optimizer", ["sgd", "adam"]);
        IReadOnlyList<string> axes = SweepAxes.Varying(configs);
        string[] labels = configs.Select(c => c.Label(axes)).ToArray();
        Assert.Equal(configs.Length, labels.Distinct().Count());
        Assert.Equal("tanh L=2 N=64 sw2=1 optimizer=sgd seed=0", labels[0]);
        // Without the axes, the old label: the optimizers print alike.
        Assert.Equal(configs[0].Label(), configs[2].Label());
    }

    [Fact]
    public void Labels_print_sigma_w2_exactly()
    {
        var a = new TrialConfig { SigmaW2 = 1.23451 };
        var b = a with { SigmaW2 = 1.23449 };
        Assert.NotEqual(a.Label(), b.Label());
        Assert.Equal("tanh L=10 N=64 sw2=1.23451 seed=0", a.Label());
    }

    [Fact]
    public void A_view_is_split_by_each_other_swept_axis_in_numeric_order()
    {
        TrialConfig[] configs = Grid("learning_rate", [10, 2, 0.5]);
        var facets = Facets.Split(configs, c => c, Placed);
        Assert.Equal(["learning_rate=0.5", "learning_rate=2", "learning_rate=10"], facets.Select(f => f.Label()));
        Assert.All(facets, f => Assert.Equal(4, f.Items.Count)); // 2 depths x 2 seeds, placed by the view
        Assert.All(facets, f => Assert.Empty(f.Averaged));
    }

    [Fact]
    public void An_axis_with_more_values_than_facets_allow_is_averaged_and_named()
    {
        TrialConfig[] configs = Grid("width", Enumerable.Range(1, Facets.MaxFacets + 1).Cast<object>());
        var facets = Facets.Split(configs, c => c, Placed);
        Facet<TrialConfig> only = Assert.Single(facets);
        Assert.Equal(configs.Length, only.Items.Count);
        Assert.Equal([new AveragedAxis("width", Facets.MaxFacets + 1)], only.Averaged);
        Assert.Equal("width (13 values)", only.Averaged[0].ToString());
    }

    [Fact]
    public void Axes_are_split_by_while_the_facets_stay_within_the_limit()
    {
        // 3 widths x 3 learning rates x 2 optimizers = 18 > 12: width and learning rate are split (9 facets), optimizer averaged.
        TrialConfig[] configs = (from w in new[] { 4, 8, 16 }
                                 from lr in new[] { 0.1, 0.01, 0.001 }
                                 from o in new[] { "sgd", "adam" }
                                 select new TrialConfig { Width = w, LearningRate = lr, Optimizer = o }).ToArray();
        var facets = Facets.Split(configs, c => c, Placed);
        Assert.Equal(9, facets.Count);
        Assert.All(facets, f => Assert.Equal(["width", "learning_rate"], f.Values.Select(v => v.Key)));
        Assert.All(facets, f => Assert.Equal([new AveragedAxis("optimizer", 2)], f.Averaged));
    }
}
