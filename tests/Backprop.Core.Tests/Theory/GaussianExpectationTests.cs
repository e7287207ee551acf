using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class GaussianExpectationTests
{
    // The rule is built for ~1e-14; 1e-13 leaves room for rounding in a sum of a few hundred terms without hiding a wrong
    // weight (a missing panel or a kink inside a panel costs 1e-6 or more).
    private const double Tolerance = 1e-13;

    [Fact]
    public void Gauss_legendre_rule_integrates_polynomials_up_to_degree_31_exactly()
    {
        var (x, w) = GaussianExpectation.GaussLegendre(16);
        Assert.Equal(2.0, w.Sum(), 1e-14);
        // The integral of t^30 over [-1, 1] is 2/31; t^31 integrates to 0 by symmetry.
        Assert.Equal(2.0 / 31, x.Select((t, i) => w[i] * Math.Pow(t, 30)).Sum(), 1e-15);
    }

    [Fact]
    public void Gaussian_moments_match_their_closed_forms()
    {
        Assert.Equal(1.0, GaussianExpectation.Of(_ => 1.0), Tolerance);
        Assert.Equal(0.0, GaussianExpectation.Of(z => z * z * z), Tolerance);
        Assert.Equal(1.0, GaussianExpectation.Of(z => z * z), Tolerance);
        Assert.Equal(3.0, GaussianExpectation.Of(z => z * z * z * z), Tolerance);
        Assert.Equal(15.0, GaussianExpectation.Of(z => Math.Pow(z, 6)), 1e-12); // larger value, same relative accuracy
        Assert.Equal(Math.Exp(0.5), GaussianExpectation.Of(Math.Exp), Tolerance);
    }

    [Fact]
    public void Kinked_integrands_are_exact_because_the_kink_sits_on_a_panel_edge()
    {
        Assert.Equal(0.5, GaussianExpectation.Of(z => Square(Activation.Relu.Apply(z))), Tolerance);
        Assert.Equal(0.5, GaussianExpectation.Of(z => Square(Activation.Relu.Derivative(z))), Tolerance);
        Assert.Equal(Math.Sqrt(2 / Math.PI), GaussianExpectation.Of(Math.Abs), Tolerance);
        Assert.Equal(0.5, GaussianExpectation.Of(Activation.Sigmoid.Apply), Tolerance);
    }

    [Theory]
    [InlineData("tanh", true)]
    [InlineData("tanh", false)]
    [InlineData("elu", true)]
    [InlineData("elu(0.5)", false)]
    [InlineData("gelu", false)]
    [InlineData("softplus", true)]
    public void Smooth_and_kinked_activations_match_a_brute_force_fine_grid(string name, bool derivative)
    {
        Assert.True(Activation.TryParse(name, out Activation phi));
        Func<double, double> f = derivative ? z => Square(phi.Derivative(z)) : z => Square(phi.Apply(z));
        // Composite Simpson with h = 1e-4 on each side of 0: error ~ h^4 f''''/180 ~ 1e-18 per unit length, so the
        // reference is good to ~1e-14, limited by rounding in its 280,000 terms.
        Assert.Equal(Reference.Expectation(f, 1.0), GaussianExpectation.Of(f), 1e-12);
    }

    [Fact]
    public void Scaled_expectations_follow_the_scale_and_tend_to_the_one_sided_limit_at_zero()
    {
        Assert.Equal(2.25, GaussianExpectation.Of(z => z * z, 1.5), Tolerance);
        // tanh'(s z)^2 for s = 100 is a spike of width 0.01 at 0; the graded panels resolve it. E ~ (2/3)(2 / (s sqrt(2 pi))) roughly.
        Assert.Equal(Reference.Expectation(z => Math.Pow(1 - Math.Tanh(z) * Math.Tanh(z), 2), 100.0),
            GaussianExpectation.Of(z => Math.Pow(1 - Math.Tanh(z) * Math.Tanh(z), 2), 100.0), 1e-12);
        Assert.Equal(0.5, GaussianExpectation.Of(z => Square(Activation.Relu.Derivative(z)), 0.0), Tolerance);
        Assert.Equal(0.25, GaussianExpectation.Of(z => Square(Activation.Sigmoid.Apply(z)), 0.0), Tolerance);
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(0.7)]
    [InlineData(30.0)]
    [InlineData(1e6)]
    [InlineData(1e15)]
    public void Grading_follows_the_scale_so_narrow_features_stay_resolved_at_every_scale(double scale)
    {
        // E[tanh'(s z)^2] and E[relu(s z) tanh(s z)]: features of width 1/s at z = 0, a kink at 0. Against the fixed fine grid
        // where it resolves them (s = 0.7, 30), and series otherwise: for small s, sech^4 x = 1 - 2x^2 + (7/3) x^4 - ... and
        // x tanh x = x^2 - x^4/3 + 2x^6/15 - ...; for large s, E[tanh'(s z)^2] ~ (4/3) / (s sqrt(2 pi)) + O(1/s^3) and
        // E[relu(s z) tanh(s z)] = s / sqrt(2 pi) - O(1/s).
        Func<double, double> spike = z => Math.Pow(1 - Math.Tanh(z) * Math.Tanh(z), 2);
        Func<double, double> ramp = z => Activation.Relu.Apply(z) * Math.Tanh(z);
        if (scale < 0.01)
        {
            double s2 = scale * scale;
            Assert.Equal(1 - 2 * s2 + 7 * s2 * s2, GaussianExpectation.Of(spike, scale), 1e-15);
            Assert.Equal(s2 / 2 - s2 * s2 / 2 + s2 * s2 * s2, GaussianExpectation.Of(ramp, scale), 1e-13 * s2);
        }
        else if (scale <= 100)
        {
            Assert.Equal(Reference.Expectation(spike, scale), GaussianExpectation.Of(spike, scale), 1e-13);
            Assert.Equal(Reference.Expectation(ramp, scale), GaussianExpectation.Of(ramp, scale), 1e-13 * scale);
        }
        else
        {
            Assert.Equal(4.0 / 3 / (scale * Math.Sqrt(2 * Math.PI)), GaussianExpectation.Of(spike, scale), 1e-10 / scale);
            Assert.Equal(scale / Math.Sqrt(2 * Math.PI), GaussianExpectation.Of(ramp, scale), 1e-12 * scale);
        }
        Assert.True(GaussianExpectation.Evaluations(scale) <= 2 * 16 * 70);
    }

    private static double Square(double x) => x * x;
}
