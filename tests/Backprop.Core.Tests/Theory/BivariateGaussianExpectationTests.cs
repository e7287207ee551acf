using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class BivariateGaussianExpectationTests
{
    [Theory]
    [InlineData(1e-4, -0.9)]
    [InlineData(0.3, 0.0)]
    [InlineData(1.0, 0.45)]
    [InlineData(68.0, 0.9)]
    [InlineData(1e4, 0.999)]
    [InlineData(1e8, 1.0)]
    public void Relu_matches_the_arc_cosine_kernel(double q, double c)
    {
        // Cho and Saul 2009: E[relu(u1) relu(u2)] = q (sin t + (pi - t) cos t) / (2 pi), E[relu'(u1) relu'(u2)] = (pi - t) / (2 pi), t = arccos c.
        double t = Math.Acos(c);
        double products = q * (Math.Sin(t) + (Math.PI - t) * c) / (2 * Math.PI);
        double slopes = (Math.PI - t) / (2 * Math.PI);
        Assert.Equal(products, BivariateGaussianExpectation.Of((a, b) => Math.Max(a, 0) * Math.Max(b, 0), q, c), 1e-13 * products);
        Assert.Equal(slopes, BivariateGaussianExpectation.Of((a, b) => (a > 0 ? 1.0 : 0) * (b > 0 ? 1.0 : 0), q, c), 1e-13 * slopes);
    }

    [Theory]
    [InlineData("tanh", 0.01)]
    [InlineData("tanh", 2.0)]
    [InlineData("tanh", 1e4)]
    [InlineData("elu(0.5)", 1.0)]
    [InlineData("gelu", 30.0)]
    [InlineData("sigmoid", 68.0)]
    public void Independent_and_identical_pairs_reduce_to_one_dimensional_expectations(string name, double q)
    {
        // c = 0: E[f(u1) f(u2)] = E[f]^2; c = 1: u1 = u2, E[f^2].
        Assert.True(Activation.TryParse(name, out Activation phi));
        double s = Math.Sqrt(q);
        foreach (Func<double, double> f in new Func<double, double>[] { phi.Apply, phi.Derivative })
        {
            double mean = GaussianExpectation.Of(f, s), square = GaussianExpectation.Of(u => f(u) * f(u), s);
            Assert.Equal(mean * mean, BivariateGaussianExpectation.Of((a, b) => f(a) * f(b), q, 0), 1e-13 * Math.Max(square, 1e-300) + 1e-300);
            Assert.Equal(square, BivariateGaussianExpectation.Of((a, b) => f(a) * f(b), q, 1), 1e-13 * square);
        }
    }

    [Fact]
    public void The_slope_in_c_is_q_times_the_expected_product_of_derivatives()
    {
        // Price's theorem, d/dc E[phi(u1) phi(u2)] = q E[phi'(u1) phi'(u2)], checked by a central difference (error ~ h^2 ~ 1e-8).
        Activation phi = Activation.Elu(0.5);
        const double q = 1.7, c = 0.3, h = 1e-4;
        double Products(double x) => BivariateGaussianExpectation.Of((a, b) => phi.Apply(a) * phi.Apply(b), q, x);
        double slope = q * BivariateGaussianExpectation.Of((a, b) => phi.Derivative(a) * phi.Derivative(b), q, c);
        Assert.Equal(slope, (Products(c + h) - Products(c - h)) / (2 * h), 1e-8);
        var (products, slopes) = BivariateGaussianExpectation.OfProducts(x => (phi.Apply(x), phi.Derivative(x)), q, c);
        Assert.Equal(Products(c), products, 1e-15);
        Assert.Equal(slope / q, slopes, 1e-15);
    }
}
