using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Randomness;

public class RngTests
{
    [Fact]
    public void Same_seed_same_stream()
    {
        var a = new Rng(123);
        var b = new Rng(123);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }
    }

    [Fact]
    public void FillUniform_draws_exactly_what_NextUniform_draws_and_leaves_the_same_state()
    {
        var filled = new Rng(31);
        var drawn = new Rng(31);
        for (int length = 0; length <= 67; length++)
        {
            var values = new double[length];
            filled.FillUniform(values, -1.0, 1.0);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(drawn.NextUniform(-1.0, 1.0)), BitConverter.DoubleToInt64Bits(values[i]));
            }
            Assert.Equal(drawn.NextUInt64(), filled.NextUInt64());
        }
    }

    [Fact]
    public void Uniform_doubles_lie_in_unit_interval_with_mean_one_half()
    {
        var rng = new Rng(5);
        double sum = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            Assert.InRange(u, 0.0, Math.BitDecrement(1.0));
            sum += u;
        }
        // s.e. of the mean is sqrt(1/12/n) ~ 0.0009; 0.005 is over 5 s.e.
        Assert.InRange(sum / n, 0.495, 0.505);
    }

    [Fact]
    public void Normals_have_mean_zero_and_unit_variance()
    {
        var rng = new Rng(6);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextNormal();
            sum += z;
            sumSq += z * z;
        }
        double mean = sum / n;
        Assert.InRange(mean, -0.01, 0.01);           // s.e. 0.0022
        Assert.InRange(sumSq / n - mean * mean, 0.98, 1.02); // s.e. 0.0032
    }

    [Fact]
    public void Derived_seeds_differ_per_stream() =>
        Assert.NotEqual(Rng.DeriveSeed(1, 0), Rng.DeriveSeed(1, 1));

    [Fact]
    public void NextInt_covers_its_range()
    {
        var rng = new Rng(7);
        var seen = new bool[5];
        for (int i = 0; i < 200; i++)
        {
            seen[rng.NextInt(5)] = true;
        }
        Assert.All(seen, Assert.True);
    }
}
