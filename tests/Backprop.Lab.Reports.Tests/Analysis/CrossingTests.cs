using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Tests.Analysis;

public class CrossingTests
{
    [Fact]
    public void Interpolates_the_upward_crossing_in_log_x()
    {
        // y = ln x crosses 0 at x = 1 exactly when interpolated in ln x.
        double[] xs = [0.25, 0.5, 2, 4];
        Assert.Equal(1.0, Crossing.Upward(xs, xs.Select(x => Math.Log(x)).ToArray())!.Value, 12);
    }

    [Fact]
    public void No_sign_change_and_missing_values_give_no_crossing()
    {
        Assert.Null(Crossing.Upward([1, 2, 3], [-3, -2, -1]));
        Assert.Null(Crossing.Upward([1, 2, 3], [double.NaN, double.NaN, 1]));
        Assert.Equal(2.0, Crossing.Upward([1, 2, 4], [-1, double.NaN, 1])!.Value, 12);
    }
}
