using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Randomness;

public class DeterministicMathTests
{
    [Fact]
    public void Log_agrees_with_the_platform_log_within_2_ulp_over_the_whole_range()
    {
        var rng = new Rng(99);
        for (int i = 0; i < 20000; i++)
        {
            // Log-uniform over [1e-300, 1e300], plus the neighbourhood of 1 where cancellation would show.
            double x = i % 2 == 0 ? Math.Pow(10, rng.NextUniform(-300, 300)) : 1.0 + rng.NextUniform(-0.3, 0.3);
            double expected = Math.Log(x);
            double actual = DeterministicMath.Log(x);
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(actual - expected) <= 2 * ulp, $"log({x:R}) = {actual:R}, platform {expected:R}");
        }
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.6931471805599453)]
    [InlineData(5e-324, -744.4400719213812)]
    [InlineData(double.MaxValue, 709.782712893384)]
    public void Log_of_special_points(double x, double expected) =>
        Assert.Equal(expected, DeterministicMath.Log(x), 1e-15 * Math.Max(1, Math.Abs(expected)));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Log_rejects_non_positive_or_non_finite(double x) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DeterministicMath.Log(x));
}

public class DeterministicExpTests
{
    [Fact]
    public void Exp_agrees_with_the_platform_exp_within_2_ulp()
    {
        var rng = new Rng(100);
        for (int i = 0; i < 20000; i++)
        {
            double x = i % 2 == 0 ? rng.NextUniform(-700, 700) : rng.NextUniform(-1, 1);
            double expected = Math.Exp(x);
            double ulp = Math.BitIncrement(expected) - expected;
            Assert.True(Math.Abs(DeterministicMath.Exp(x) - expected) <= 2 * ulp, $"exp({x:R})");
        }
        Assert.Equal(1.0, DeterministicMath.Exp(0));
    }

    [Fact]
    public void Exp_rejects_arguments_outside_its_range() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DeterministicMath.Exp(800));
}
