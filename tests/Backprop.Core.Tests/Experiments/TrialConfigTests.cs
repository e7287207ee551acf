using System.Text.Json;
using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

public class TrialConfigTests
{
    [Fact]
    public void Widths_enter_the_key_only_when_set_and_every_trial_lists_the_same_fields()
    {
        var plain = new TrialConfig { Depth = 3, Width = 64 };
        TrialConfig layered = plain with { Widths = [64, 32, 16] };
        Assert.DoesNotContain("widths", plain.Canonical(), StringComparison.Ordinal);
        Assert.Contains("depth=3;width=64;widths=64-32-16;", layered.Canonical(), StringComparison.Ordinal);
        Assert.NotEqual(plain.Key(), layered.Key());
        // Equal widths given as a list are another trial's key, as a network file would be: the field says how it was set.
        Assert.Equal(plain.Fields().Select(f => f.Key), layered.Fields().Select(f => f.Key));
        Assert.Equal("default", SweepAxes.Value(plain, "widths"));
        Assert.Equal(["widths"], SweepAxes.Varying([plain, layered]));
        Assert.Equal("tanh L=3 N=64-32-16 sw2=1 seed=0", layered.Label(["widths"]));
    }

    [Fact]
    public void Widths_set_depth_and_the_stem_width_and_round_trip_through_json_only_when_set()
    {
        JsonSerializerOptions options = ResultFormat.JsonOptions;
        TrialConfig layered = new TrialConfig { Depth = 10, Width = 7 } with { Widths = [48, 24] };
        Assert.Equal((2, 48, 24), (layered.Depth, layered.Width, layered.TopWidth));
        string json = JsonSerializer.Serialize(layered, options);
        TrialConfig back = JsonSerializer.Deserialize<TrialConfig>(json, options)!;
        Assert.Equal(layered.Key(), back.Key());
        Assert.Equal([48, 24], back.Widths!);
        Assert.DoesNotContain("widths", JsonSerializer.Serialize(new TrialConfig(), options), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_cost_of_equal_widths_is_depth_times_width_squared_and_a_wider_layer_costs_more()
    {
        var plain = new TrialConfig { Depth = 3, Width = 16, Steps = 10, BatchSize = 4 };
        Assert.Equal(10.0 * 4 * 3 * 16 * 16, plain.EstimatedCost());
        Assert.Equal(plain.EstimatedCost(), (plain with { Widths = [16, 16, 16] }).EstimatedCost());
        // n_0 = 16 (the stem's), then 16 x 16, 16 x 64, 64 x 16.
        Assert.Equal(10.0 * 4 * (256 + 1024 + 1024), (plain with { Widths = [16, 64, 16] }).EstimatedCost());
    }
}
