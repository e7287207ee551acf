using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class LengthMapTests
{
    [Fact]
    public void Gelu_has_two_attractors_split_by_an_unstable_fixed_point()
    {
        // mpmath at 30 digits: the unstable fixed point of q = 3 E[gelu(sqrt(q) z)^2] is 0.247323602283221546051893545119.
        var (points, reached) = LengthMap.Analyze(Activation.Gelu, 3, 0, 3);
        Assert.Equal(3, points.Count);
        Assert.Equal(new VarianceFixedPoint(0, FixedPointStability.Stable, 0.75, 0.75), points[0]);
        Assert.Equal(FixedPointStability.Unstable, points[1].Stability);
        Assert.Equal(0.247323602283221546, points[1].Q, 1e-15);
        Assert.True(points[1].Slope > 1);
        Assert.Equal(new VarianceFixedPoint(double.PositiveInfinity, FixedPointStability.Stable, 1.5, 1.5), points[2]);
        Assert.Equal(2, reached);
        Assert.Equal(0, LengthMap.Analyze(Activation.Gelu, 3, 0, 0.2).Reached);
    }

    [Fact]
    public void Gelu_with_a_little_bias_has_a_stable_unstable_pair_below_divergence()
    {
        // mpmath: 0.0569794914128557911797924623224 (stable) and 0.173491585747364968974727923456 (unstable).
        var (points, _) = LengthMap.Analyze(Activation.Gelu, 3, 0.01, 1);
        Assert.Equal([FixedPointStability.Stable, FixedPointStability.Unstable, FixedPointStability.Stable], points.Select(p => p.Stability));
        Assert.Equal(0.0569794914128557912, points[0].Q, 1e-14 * 0.057);
        Assert.Equal(0.173491585747364969, points[1].Q, 1e-14 * 0.17);
        Assert.True(points[2].IsInfinite);
    }

    [Theory]
    [InlineData("tanh", 1.5, 0.0, 2.0)]
    [InlineData("tanh", 2.5, 0.3, 0.01)]
    [InlineData("sigmoid", 4.0, 0.1, 5.0)]
    [InlineData("softplus", 1.2, 0.2, 40.0)]
    [InlineData("elu", 1.5, 0.0, 0.01)]
    [InlineData("elu(2)", 0.8, 0.1, 3.0)]
    [InlineData("gelu", 3.0, 0.01, 0.1)]
    [InlineData("gelu", 3.0, 0.01, 0.2)]
    [InlineData("gelu", 1.0, 0.2, 9.0)]
    public void The_reached_fixed_point_is_where_iterating_the_map_from_q1_ends(string name, double sw2, double sb2, double q1)
    {
        // Independent of the scan: 400 layers of the map itself (each contracting by a factor well below 1 near these
        // attractors, or growing geometrically towards infinity).
        Assert.True(Activation.TryParse(name, out Activation phi));
        var (points, reached) = LengthMap.Analyze(phi, sw2, sb2, q1);
        double last = MeanField.QTrajectory(phi, sw2, sb2, q1, 400)[^1];
        if (points[reached].IsInfinite)
        {
            Assert.True(last > 1e20, $"{name}: q^400 = {last}");
        }
        else
        {
            Assert.Equal(points[reached].Q, last, 1e-10 * Math.Max(1, last));
        }
    }

    [Fact]
    public void Softplus_at_sw2_2_has_excess_variance_2_E_r_without_cancellation_at_large_q()
    {
        // mpmath: 2 E[softplus(x)^2 - relu(x)^2] for x ~ N(0, 1e12) is 1.9182052884702806605e-6; the direct difference
        // sw2 E[softplus^2] - q would be lost in the rounding of q = 1e12 (about 1e-4).
        Assert.Equal(1.91820528847028066e-6, LengthMap.Excess(Activation.Softplus, 2, 0, 1e12), 1e-13 * 1.9e-6);
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("softplus")]
    [InlineData("gelu")]
    [InlineData("elu")]
    [InlineData("elu(0.3)")]
    [InlineData("elu(2)")]
    public void Excess_is_the_map_minus_q_and_the_map_never_decreases(string name)
    {
        // The reached-point rule rests on V being non-decreasing; the excess is V(q) - q written without cancellation.
        Assert.True(Activation.TryParse(name, out Activation phi));
        double previous = 0;
        for (double q = 1e-3; q < 1e4; q *= 1.7)
        {
            double v = MeanField.VarianceMap(phi, 1.3, 0.1, q);
            Assert.True(v >= previous, $"{name}: V({q}) = {v} < {previous}");
            Assert.Equal(v - q, LengthMap.Excess(phi, 1.3, 0.1, q), 1e-13 * Math.Max(1, q));
            previous = v;
        }
    }

    [Fact]
    public void Homogeneous_maps_are_listed_in_closed_form()
    {
        Assert.Equal([new VarianceFixedPoint(0, FixedPointStability.Unstable, 1.5, 1.5), new VarianceFixedPoint(double.PositiveInfinity, FixedPointStability.Stable, 1.5, 1.5)],
            LengthMap.Analyze(Activation.Relu, 3, 0, 1).FixedPoints);
        // At sw2 = 2 without bias the map is q -> q: every q is fixed and the network keeps q^1.
        var (points, reached) = LengthMap.Analyze(Activation.Relu, 2, 0, 0.7);
        Assert.Equal(new VarianceFixedPoint(0.7, FixedPointStability.Neutral, 1, 1), points[reached]);
        Assert.Equal([new VarianceFixedPoint(0.4, FixedPointStability.Stable, 0.5, 0.5)], LengthMap.Analyze(Activation.Identity, 0.5, 0.2, 9).FixedPoints);
    }

    [Fact]
    public void A_map_that_barely_moves_q_still_has_its_fixed_point()
    {
        // sw2 = 1e-300: V(q) = 0.1 + 1e-300 E[tanh^2], flat to rounding; q* = 0.1 in one layer.
        var (points, reached) = LengthMap.Analyze(Activation.Tanh, 1e-300, 0.1, 1);
        Assert.Equal(0.1, points[reached].Q, 1e-16);
        Assert.Equal(FixedPointStability.Stable, points[reached].Stability);
    }
}
