using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class CriticalLineTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Elu_without_bias_is_critical_at_exactly_2_over_1_plus_alpha_squared(double alpha)
    {
        // q* = 0 is stable while sw2 (1 + alpha^2)/2 < 1; the branch that leaves it is chaotic (chi1 - 1 ~ alpha^2 q*/8 /
        // ((1 + alpha^2)/2) > 0), and flat in sw2, so chi1 - 1 is below rounding for ~1e-7 above the boundary.
        double expected = 2 / (1 + alpha * alpha);
        Assert.Equal(expected, CriticalLine.CriticalSw2(Activation.Elu(alpha), 0)!.Value, 1e-15 * expected);
    }

    [Fact]
    public void Tanh_without_bias_is_critical_at_exactly_1()
    {
        Assert.Equal(1.0, CriticalLine.CriticalSw2(Activation.Tanh, 0)!.Value, 1e-15);
    }

    [Fact]
    public void Gelu_boundary_for_unit_inputs_is_where_the_first_layer_variance_is_a_fixed_point()
    {
        // With q0 = 1, q^1 = sw2. Below the boundary q^1 lies under gelu's unstable fixed point and q flows to 0 (chi1 = sw2/4 < 1);
        // above it q grows without bound (chi1 = sw2/2 > 1). The jump is where E[gelu(sqrt(sw2) z)^2] = 1:
        // mpmath at 30 digits, 2.1549087877506060228473501248.
        Assert.Equal(2.15490878775060602, CriticalLine.CriticalSw2(Activation.Gelu, 0)!.Value, 2e-15 * 2.155);
    }

    [Fact]
    public void Softplus_without_bias_is_critical_at_2_where_q_starts_to_diverge()
    {
        Assert.Equal(2.0, CriticalLine.CriticalSw2(Activation.Softplus, 0)!.Value, 1e-15);
    }
}
