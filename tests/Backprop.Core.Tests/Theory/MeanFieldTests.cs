using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class MeanFieldTests
{
    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.8, 0.1)]
    [InlineData(0.95, 2.0)]
    public void Linear_networks_follow_the_closed_form(double sw2, double sb2)
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Identity, sw2, sb2);
        Assert.Equal(sb2 / (1 - sw2), p.Q, 1e-12);
        Assert.Equal(sw2, p.Chi1);
        Assert.Equal(GradientRegime.Ordered, p.Regime);
        // The quadrature path (not the closed form) gives the same map: E[(sqrt(q) z)^2] = q to ~1e-15 relative.
        Assert.Equal(sw2 * 0.7 + sb2, MeanField.VarianceMap(Activation.Identity, sw2, sb2, 0.7), 1e-13);
    }

    [Theory]
    [InlineData(1.2, 0.0)]
    [InlineData(1.0, 0.1)]
    [InlineData(3.0, 1.0)]
    public void Linear_networks_at_or_above_sw2_1_with_growing_q_report_no_fixed_point(double sw2, double sb2)
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Identity, sw2, sb2);
        Assert.True(p.QDiverges);
        Assert.Equal(sw2, p.Chi1);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.0)]
    [InlineData(1.5, 0.2)]
    [InlineData(3.0, 0.0)]
    public void Relu_chi1_is_half_sw2_and_matches_quadrature_of_the_derivative(double sw2, double sb2)
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Relu, sw2, sb2);
        Assert.Equal(sw2 / 2, p.Chi1);
        // Quadrature of relu'(sqrt(q) z)^2 agrees with the closed form to the rule's accuracy, at q = 0 (one-sided) and q = 3.
        foreach (double q in new[] { 0.0, 3.0 })
        {
            Assert.Equal(sw2 / 2, sw2 * GaussianExpectation.Of(u => Activation.Relu.Derivative(u), Math.Sqrt(q)), 1e-13);
        }
    }

    [Fact]
    public void Relu_fixed_point_is_sb2_over_1_minus_half_sw2_and_diverges_above_sw2_2_with_bias()
    {
        Assert.Equal(0.2 / (1 - 0.75), MeanField.FixedPoint(Activation.Relu, 1.5, 0.2), 1e-14);
        Assert.Equal(double.PositiveInfinity, MeanField.FixedPoint(Activation.Relu, 2.5, 0.1));
        Assert.Equal(double.PositiveInfinity, MeanField.FixedPoint(Activation.Relu, 2.0, 0.1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(1.0)]
    public void Relu_is_critical_at_sw2_2_for_any_bias_variance(double sb2)
    {
        Assert.Equal(2.0, CriticalLine.CriticalSw2(Activation.Relu, sb2));
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.8, 0.1)]
    [InlineData(1.5, 0.0)]
    public void Abs_is_a_linear_network_in_the_mean_chi1_is_sw2_and_q_star_is_sb2_over_1_minus_sw2(double sw2, double sb2)
    {
        // E[|sqrt(q) z|^2] = q and |abs'| = 1 away from 0: the closed forms, checked against quadrature of the definitions.
        MeanFieldPrediction p = MeanField.Predict(Activation.Abs, sw2, sb2);
        Assert.Equal(sw2, p.Chi1);
        if (sw2 < 1)
        {
            Assert.Equal(sb2 / (1 - sw2), p.Q, 1e-12);
        }
        else
        {
            Assert.True(p.QDiverges); // as for a linear network: q grows by sw2 per layer
        }
        Assert.Equal(sw2 * 0.7 + sb2, MeanField.VarianceMap(Activation.Abs, sw2, sb2, 0.7), 1e-13);
        Assert.Equal(sw2, sw2 * GaussianExpectation.Of(u => Math.Pow(Activation.Abs.Derivative(u), 2), Math.Sqrt(0.7)), 1e-13);
        Assert.Equal(1.0, CriticalLine.CriticalSw2(Activation.Abs, sb2));
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    public void Leaky_relu_chi1_and_critical_point_follow_the_closed_form(double slope)
    {
        Activation phi = Activation.LeakyRelu(slope);
        Assert.Equal(1.5 * (1 + slope * slope) / 2, MeanField.Chi1At(phi, 1.5, 0.4), 1e-15);
        Assert.Equal(1.5 * (1 + slope * slope) / 2, 1.5 * GaussianExpectation.Of(u => Math.Pow(phi.Derivative(u), 2), Math.Sqrt(0.4)), 1e-13);
        Assert.Equal(2 / (1 + slope * slope), CriticalLine.CriticalSw2(phi, 0.1)!.Value, 1e-15);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(1.0)]
    public void Tanh_without_bias_has_q_star_0_up_to_sw2_1(double sw2)
    {
        // At sw2 = 1 the map converges only like 1/t; the solver must still return exactly 0, not a slow iterate.
        MeanFieldPrediction p = MeanField.Predict(Activation.Tanh, sw2, 0);
        Assert.Equal(0.0, p.Q);
        Assert.Equal(sw2, p.Chi1, 1e-15);
    }

    [Fact]
    public void Tanh_at_sw2_2_without_bias_is_chaotic_with_chi1_matching_a_brute_force_computation()
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Tanh, 2, 0);
        Assert.Equal(GradientRegime.Chaotic, p.Regime);
        // Independent: fixed-grid Simpson and plain iteration (the map contracts at q* ~ 0.62, slope ~ 0.5, so 60 steps
        // reach 1e-16). Both sides are good to ~1e-13; the 1e-11 bar leaves room for the reference's rounding.
        double q = Reference.FixedPointByIteration(Math.Tanh, 2, 0, 60);
        double chi1 = 2 * Reference.Expectation(u => Math.Pow(1 - Math.Tanh(u) * Math.Tanh(u), 2), Math.Sqrt(q));
        Assert.Equal(q, p.Q, 1e-11);
        Assert.Equal(chi1, p.Chi1, 1e-11);
        // mpmath at 25 digits (adaptive quadrature split at 0, +-1, +-5): q* = 0.61796476976854554960, chi1 = 1.10552882043940364003.
        Assert.Equal(1.10552882043940364, p.Chi1, 1e-13);
    }

    [Fact]
    public void Sigmoid_at_sw2_1_without_bias_vanishes_with_ln_chi1_near_minus_2_89()
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Sigmoid, 1, 0);
        // mpmath at 25 digits: q* = 0.26468687518189248425, chi1 = 0.05572070676970179381, ln chi1 = -2.88740344584189985.
        Assert.Equal(0.264686875181892484, p.Q, 1e-13);
        Assert.Equal(0.0557207067697017938, p.Chi1, 1e-14);
        // The rounded figures quoted in the docs, to the digits given.
        Assert.Equal(0.0557, p.Chi1, 5e-5);
        Assert.Equal(-2.89, Math.Log(p.Chi1), 0.005);
        Assert.Equal(GradientRegime.Ordered, p.Regime);
    }

    [Theory]
    [InlineData(0.01, 1.42420529048859649)]
    [InlineData(0.05, 1.76095463960673943)]
    [InlineData(0.1, 1.98607264113586438)]
    [InlineData(0.3, 2.5051271896797649)]
    public void Tanh_critical_line_matches_an_independent_high_precision_computation(double sb2, double expected)
    {
        // Expected values: mpmath at 18 digits, secant root of chi1 - 1 with q* by iterating the map (the curve of
        // Poole et al. 2016 Fig. 2 / Schoenholz et al. 2017 Fig. 1, where sb2 = 0.05 gives sw2 ~ 1.76). chi1 - 1 crosses
        // zero with slope ~0.3 here, so a 1e-14 error in chi1 moves the root by ~3e-14; 1e-12 is the bar.
        Assert.Equal(expected, CriticalLine.CriticalSw2(Activation.Tanh, sb2)!.Value, 1e-12);
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("softplus")]
    [InlineData("gelu")]
    [InlineData("elu")]
    [InlineData("elu(2)")]
    [InlineData("relu")]
    [InlineData("leaky_relu(0.2)")]
    [InlineData("linear")]
    public void Fixed_point_residual_is_below_1e_12_for_every_activation(string name)
    {
        Assert.True(Activation.TryParse(name, out Activation phi));
        int finite = 0;
        foreach (var (sw2, sb2) in new[] { (0.3, 0.5), (0.5, 0.0), (0.5, 0.3), (0.9, 0.2), (1.0, 0.05), (1.5, 0.0), (1.5, 0.1), (1.8, 1.0) })
        {
            double q = MeanField.FixedPoint(phi, sw2, sb2);
            if (double.IsPositiveInfinity(q))
            {
                continue;
            }
            finite++;
            // Bisection ends on adjacent doubles, so |g| is rounding in g itself: ~1e-16 q.
            Assert.True(Math.Abs(MeanField.VarianceMap(phi, sw2, sb2, q) - q) < 1e-12 * Math.Max(1, q), $"{name} sw2={sw2} sb2={sb2}: q*={q}");
        }
        Assert.True(finite >= 4, $"{name}: only {finite} finite fixed points");
    }

    [Fact]
    public void Trajectory_starts_at_q1_follows_the_map_and_settles_at_q_star()
    {
        IReadOnlyList<double> q = MeanField.QTrajectory(Activation.Tanh, 1.5, 0.05, 3.0, 40);
        Assert.Equal(40, q.Count);
        Assert.Equal(3.0, q[0]);
        Assert.Equal(MeanField.VarianceMap(Activation.Tanh, 1.5, 0.05, q[0]), q[1]);
        // The map contracts with slope < 0.6 around q* ~ 0.42: after 40 layers the distance is far below 1e-9.
        Assert.Equal(MeanField.FixedPoint(Activation.Tanh, 1.5, 0.05), q[^1], 1e-9);
        // relu: exactly q^(l+1) = sw2/2 q^l + sb2.
        IReadOnlyList<double> r = MeanField.QTrajectory(Activation.Relu, 3, 0.1, 1, 4);
        Assert.Equal([1.0, 1.6, 2.5, 3.85], r.Select(x => Math.Round(x, 12)));
    }

    [Fact]
    public void Chi1_tends_to_its_one_sided_limit_at_q_0_and_its_tail_limit_at_q_infinity()
    {
        Assert.Equal(0.75, MeanField.Chi1At(Activation.Elu(0.5), 1.2, 0), 1e-14); // 1.2 (1 + 0.25)/2
        Assert.Equal(1.5, MeanField.Chi1At(Activation.Softplus, 3, double.PositiveInfinity));
        Assert.Equal(0.0, MeanField.Chi1At(Activation.Tanh, 3, double.PositiveInfinity));
    }

    [Fact]
    public void Gradient_depth_scale_is_1_over_abs_ln_chi1_and_infinite_at_criticality()
    {
        MeanFieldPrediction p = MeanField.Predict(Activation.Relu, 1, 0);
        Assert.Equal(-1 / Math.Log(0.5), p.XiGrad, 1e-15);
        Assert.Equal(double.PositiveInfinity, MeanField.Predict(Activation.Relu, 2, 0).XiGrad);
        Assert.Equal(GradientRegime.Critical, MeanField.Predict(Activation.Relu, 2, 0).Regime);
        Assert.Equal(1 / Math.Log(1.5), MeanField.Predict(Activation.Relu, 3, 0).XiGrad, 1e-15);
    }

    [Fact]
    public void Correlation_depth_scale_is_the_gradient_one_in_the_ordered_phase_and_minus_1_over_ln_chi_c_in_the_chaotic_one()
    {
        MeanFieldPrediction ordered = MeanField.Predict(Activation.Tanh, 1.5, 0.05);
        Assert.Equal(1.0, ordered.CStar);
        Assert.Equal(ordered.Chi1, ordered.ChiC);
        Assert.Equal(ordered.XiGrad, ordered.XiC);
        // mpmath (Hermite series of the correlation map, 25 digits): c* = 0.44680423234426708531, chi_c = 0.91871677491377287722.
        MeanFieldPrediction chaotic = MeanField.Predict(Activation.Tanh, 2.5, 0.05);
        Assert.Equal(0.446804232344267085, chaotic.CStar, 1e-13);
        Assert.Equal(0.918716774913772877, chaotic.ChiC, 1e-13);
        Assert.Equal(-1 / Math.Log(0.918716774913772877), chaotic.XiC, 1e-10);
        Assert.Equal(6 * chaotic.XiC, chaotic.TrainableDepth);
        Assert.Equal(1 / Math.Log(chaotic.Chi1), chaotic.XiGrad, 1e-12);
    }

    [Fact]
    public void Diverging_q_leaves_no_exponential_correlation_scale()
    {
        // As q -> infinity the correlation map tends to the scale-free kernel of phi's asymptotic slopes: c* = 1, slope 1.
        MeanFieldPrediction p = MeanField.Predict(Activation.Relu, 3, 0.1);
        Assert.True(p.QDiverges);
        Assert.Equal((1.0, 1.0), (p.CStar, p.ChiC));
        Assert.Equal(double.PositiveInfinity, p.XiC);
        Assert.Equal(1 / Math.Log(1.5), p.XiGrad, 1e-15);
    }

    [Fact]
    public void Gelu_at_sw2_3_from_unit_inputs_diverges_with_chi1_sw2_over_2()
    {
        // q^1 = sw2 q0 = 3 lies above gelu's unstable fixed point q = 0.247323602283221546 (mpmath), so q grows without
        // bound and chi1 tends to sw2 (1^2 + 0^2)/2; q = 0 is the other attractor, reached only from below 0.2473.
        MeanFieldPrediction p = MeanField.Predict(Activation.Gelu, 3, 0);
        Assert.True(p.QDiverges);
        Assert.Equal(1.5, p.Chi1);
        Assert.Equal(GradientRegime.Chaotic, p.Regime);
    }

    [Fact]
    public void Softplus_at_sw2_2_without_bias_has_no_finite_fixed_point()
    {
        // sw2 E[softplus(x)^2] - q = 2 E[softplus(x)^2 - relu(x)^2] > 0 for every q: q grows (like l^(2/3)) without bound.
        Assert.Equal(double.PositiveInfinity, MeanField.FixedPoint(Activation.Softplus, 2, 0));
        Assert.Equal(1.0, MeanField.Predict(Activation.Softplus, 2, 0).Chi1);
    }

    [Theory]
    [InlineData("softplus", 1.5, 0.0, 2.2443708645176817652665173275)]
    [InlineData("elu", 1.5, 0.0, 0.740075326274573633690474997645)]
    public void Fixed_points_match_mpmath_to_1e_14(string name, double sw2, double sb2, double expected)
    {
        Assert.True(Activation.TryParse(name, out Activation phi));
        Assert.Equal(expected, MeanField.FixedPoint(phi, sw2, sb2), 1e-14 * expected);
    }

    [Theory]
    [InlineData(-1.0, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void Negative_or_non_finite_variances_are_rejected(double sw2, double sb2)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MeanField.Predict(Activation.Tanh, sw2, sb2));
    }
}
