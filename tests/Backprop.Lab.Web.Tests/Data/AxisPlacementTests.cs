using Backprop.Lab.Web.Data;

namespace Backprop.Lab.Web.Tests.Data;

public sealed class AxisPlacementTests
{
    [Fact]
    public void An_evenly_spaced_grid_sits_on_a_linear_axis_at_its_own_values()
    {
        var depths = AxisPlacement.Of([4, 8, 12, 16]);
        Assert.True(depths.Linear);
        Assert.Equal([4.0, 8, 12, 16], depths.Positions);
        Assert.Equal((2.0, 18.0), (depths.RangeMin, depths.RangeMax));
        Assert.Equal(10, depths.Position(10));
    }

    [Fact]
    public void A_geometric_grid_sits_at_equal_steps_and_curves_are_placed_in_log_terms_between_them()
    {
        var sw2 = AxisPlacement.Of([0.5, 1, 2, 4]);
        Assert.False(sw2.Linear);
        Assert.Equal([0.0, 1, 2, 3], sw2.Positions);
        Assert.Equal(1.5, sw2.Position(Math.Sqrt(2)), 12);
        Assert.Equal(-1, sw2.Position(0.25), 12);
        Assert.Equal(Math.Sqrt(2), sw2.Value(1.5), 12);
        Assert.True(double.IsNaN(sw2.Position(0)));
    }
}
