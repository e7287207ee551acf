using Backprop.Core.Experiments;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Folders;

namespace Backprop.Lab.Web.Tests.Data;

[Trait("Category", "Slow")]
public sealed class SweepViewTests(LabResults results) : IClassFixture<LabResults>
{
    private SweepSnapshot Snapshot => new("web-tiny", "web-tiny", results.Folder, 1, null, results.Trials, []);

    [Fact]
    public void Each_phase_cell_is_the_mean_over_its_seeds_of_log10_of_the_stored_error_ratio()
    {
        SweepView view = SweepView.Of(Snapshot);
        Assert.Equal(["relu", "tanh"], view.Groups.Select(g => g.Activation));
        foreach (GroupView g in view.Groups)
        {
            PanelView panel = g.Panels.Single(p => p.Id == "delta_init");
            for (int r = 0; r < panel.Depths.Count; r++)
            {
                for (int c = 0; c < panel.Sw2.Count; c++)
                {
                    double[] seeds = results.Trials.Where(t => t.Config.Activation == g.Activation && t.Config.Depth == panel.Depths[r] && t.Config.SigmaW2 == panel.Sw2[c])
                        .Select(t => Math.Log10(t.Summary!.DeltaRatioInit)).ToArray();
                    Assert.Equal(2, seeds.Length);
                    Assert.Equal(seeds.Average(), panel.Log10[r][c]!.Value, 12);
                    Assert.Equal(2, panel.Counts[r][c]);
                    Assert.Equal(2, g.Cells[r][c].Length);
                }
            }
        }
    }

    [Fact]
    public void The_phase_colour_range_is_one_whole_number_of_decades_reaching_every_cell()
    {
        SweepView view = SweepView.Of(Snapshot);
        double largest = view.Groups.SelectMany(g => g.Panels).SelectMany(p => p.Log10).SelectMany(r => r).OfType<double>().Max(Math.Abs);
        Assert.Equal(Math.Max(1, Math.Ceiling(largest)), view.PhaseRange);
        Assert.True(view.LossRange[1] - view.LossRange[0] >= 1);
    }

    [Fact]
    public void A_linear_depth_grid_is_drawn_on_a_linear_axis()
    {
        GroupView g = SweepView.Of(Snapshot).Groups[0];
        Assert.True(g.Y.Linear);
        Assert.Equal([2.0, 4, 6], g.Y.Positions);
        Assert.False(g.X.Linear);
    }

    [Fact]
    public void A_filter_keeps_only_the_trials_with_the_chosen_values_of_a_swept_axis()
    {
        SweepView view = SweepView.Of(Snapshot, new Dictionary<string, string[]> { ["activation"] = ["tanh"], ["seed"] = ["1"], ["not_an_axis"] = ["x"] });
        Assert.Equal(12, view.Trials.Count);
        Assert.All(view.Trials, t => Assert.Equal(("tanh", "1"), (t.Activation, t.Seed)));
        Assert.Equal(["tanh"], view.Groups.Select(g => g.Activation));
        Assert.Equal(["activation", "seed"], view.Filter.Keys.Order());
        Assert.Equal(results.Trials.Count, view.TrialsTotal);
        Assert.Equal(1, view.Groups[0].Panels[0].Counts[0][0]);
    }

    [Fact]
    public void Every_trial_row_carries_its_outcome_and_a_diverged_trial_its_step()
    {
        SweepView view = SweepView.Of(Snapshot);
        var diverged = results.Trials.Where(t => t.Outcome == Outcome.Diverged).ToArray();
        Assert.NotEmpty(diverged);
        foreach (TrialResult t in diverged)
        {
            TrialRow row = view.Trials.Single(r => r.Key == t.Key);
            Assert.Equal("diverged", row.Outcome);
            Assert.Equal(t.DivergedAtStep, row.DivergedAtStep);
        }
    }
}
