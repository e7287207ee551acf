using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Networks;

public class LossTests
{
    [Fact]
    public void Mse_is_the_seeds_formula_averaged_over_the_batch()
    {
        // J = (1/m) sum (y - y_hat)^2, dJ/dy_hat = -2 (y - y_hat) / m, m = 2 examples of 2 outputs.
        double[] yHat = [1, 2, 3, 4];
        double[] y = [1.5, 2, 2, 6];
        var g = new double[4];
        double j = Loss.MeanSquaredError.Compute(yHat, y, 2, 2, g);
        Assert.Equal((0.25 + 0 + 1 + 4) / 2, j);
        Assert.Equal([-2 * 0.5 / 2, 0, -2 * -1.0 / 2, -2 * 2.0 / 2], g);
    }

    [Fact]
    public void Cross_entropy_of_uniform_logits_is_log_of_class_count_and_gradient_is_p_minus_y_over_m()
    {
        double[] logits = [0, 0, 0, 5, 5, 5];
        double[] y = [1, 0, 0, 0, 0, 1];
        var g = new double[6];
        double j = Loss.SoftmaxCrossEntropy.Compute(logits, y, 2, 3, g);
        Assert.Equal(Math.Log(3), j, 1e-15);
        Assert.Equal([(1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, (1.0 / 3 - 1) / 2], g, new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Cross_entropy_does_not_overflow_for_large_logits()
    {
        var g = new double[2];
        double j = Loss.SoftmaxCrossEntropy.Compute([1000, 0], [0, 1], 1, 2, g);
        Assert.Equal(1000, j, 1e-9);
        Assert.Equal(1.0, g[0], 1e-15);
        Assert.Equal(-1.0, g[1], 1e-15);
    }

    [Theory]
    [InlineData("mse", "mse")]
    [InlineData("MSE", "mse")]
    [InlineData("cross_entropy", "softmax_cross_entropy")]
    public void Names_parse(string text, string name)
    {
        Assert.True(Loss.TryParse(text, out Loss loss));
        Assert.Equal(name, loss.Name);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
