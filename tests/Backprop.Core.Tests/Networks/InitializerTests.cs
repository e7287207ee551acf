using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Networks;

public class InitializerTests
{
    // A 400 x 500 layer gives 200,000 draws; the sample variance of n draws has relative standard error
    // sqrt(2/n) ~ 0.3% (normal) and sqrt(0.8/n) ~ 0.2% (uniform), so the 2% band is about 7 standard errors wide.
    private const int FanIn = 500;
    private const int FanOut = 400;

    [Theory]
    [InlineData("standard", 1.0 / 3.0)]              // U[-1/sqrt(n), 1/sqrt(n)]: n Var = 1/3 (Glorot & Bengio 2010 eq. 1)
    [InlineData("he_normal", 2.0)]                   // n Var = 2
    [InlineData("he_uniform", 2.0)]
    [InlineData("lecun_normal", 1.0)]
    [InlineData("xavier_uniform", 2.0 * FanIn / (FanIn + FanOut))] // Var = 2 / (n_in + n_out)
    [InlineData("xavier_normal", 2.0 * FanIn / (FanIn + FanOut))]
    public void Weight_variance_times_fan_in_matches_the_formula_within_2_percent(string name, double expectedFanInVariance)
    {
        Assert.True(Initializer.TryParseKind(name, out InitializerKind kind));
        double[] w = Draw(new Initializer(kind), seed: 17);
        (double mean, double variance) = Moments(w);
        Assert.True(Math.Abs(mean) < 4 * Math.Sqrt(variance / w.Length), $"mean {mean} is not 0");
        double ratio = FanIn * variance / expectedFanInVariance;
        Assert.InRange(ratio, 0.98, 1.02);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Gaussian_weights_have_variance_sigma_w_squared_over_fan_in(double sigmaW)
    {
        double[] w = Draw(new Initializer(InitializerKind.Gaussian, SigmaW: sigmaW), seed: 3);
        (_, double variance) = Moments(w);
        Assert.InRange(FanIn * variance / (sigmaW * sigmaW), 0.98, 1.02);
    }

    [Fact]
    public void Gaussian_weights_have_normal_kurtosis()
    {
        double[] w = Draw(new Initializer(InitializerKind.Gaussian), seed: 4);
        (double mean, double variance) = Moments(w);
        double kurtosis = w.Average(v => Math.Pow(v - mean, 4)) / (variance * variance);
        // Standard error of the sample kurtosis is sqrt(24/n) ~ 0.011 for n = 200,000.
        Assert.InRange(kurtosis, 2.95, 3.05);
    }

    [Fact]
    public void Biases_are_zero_unless_sigma_b_is_given()
    {
        var layer = new DenseLayer(10, 2000, Activation.Tanh);
        new Initializer(InitializerKind.HeNormal).InitializeLayer(layer, new Rng(1));
        Assert.All(layer.Biases, b => Assert.Equal(0.0, b));
        new Initializer(InitializerKind.HeNormal, SigmaB: 0.5).InitializeLayer(layer, new Rng(1));
        (_, double variance) = Moments(layer.Biases);
        Assert.InRange(variance / 0.25, 0.9, 1.1); // 2000 draws: relative s.e. sqrt(2/2000) ~ 3%
    }

    [Theory]
    [InlineData(64, 64, 1.0)]
    [InlineData(100, 30, 2.0)]
    public void Orthogonal_columns_are_orthonormal_to_1e_12(int rows, int cols, double gain)
    {
        var layer = new DenseLayer(cols, rows, Activation.Tanh);
        new Initializer(InitializerKind.Orthogonal, Gain: gain).InitializeLayer(layer, new Rng(8));
        for (int p = 0; p < cols; p++)
        {
            for (int q = 0; q < cols; q++)
            {
                double dot = 0;
                for (int r = 0; r < rows; r++)
                {
                    dot += layer[r, p] * layer[r, q];
                }
                Assert.Equal(p == q ? gain * gain : 0.0, dot, 1e-12 * gain * gain);
            }
        }
    }

    [Fact]
    public void Orthogonal_wide_matrix_has_orthonormal_rows()
    {
        var layer = new DenseLayer(50, 20, Activation.Tanh);
        new Initializer(InitializerKind.Orthogonal).InitializeLayer(layer, new Rng(9));
        for (int p = 0; p < 20; p++)
        {
            for (int q = 0; q < 20; q++)
            {
                double dot = 0;
                for (int k = 0; k < 50; k++)
                {
                    dot += layer[p, k] * layer[q, k];
                }
                Assert.Equal(p == q ? 1.0 : 0.0, dot, 1e-12);
            }
        }
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_and_pinned_values()
    {
        var a = new Mlp(3, [new LayerSpec(4, Activation.Tanh), new LayerSpec(2, Activation.Identity)]);
        var b = new Mlp(3, [new LayerSpec(4, Activation.Tanh), new LayerSpec(2, Activation.Identity)]);
        var init = new Initializer(InitializerKind.Gaussian, SigmaW: 1.0, SigmaB: 0.1);
        init.Initialize(a, 2024);
        init.Initialize(b, 2024);
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal(a.Layers[l].Weights.Select(BitConverter.DoubleToInt64Bits), b.Layers[l].Weights.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(a.Layers[l].Biases.Select(BitConverter.DoubleToInt64Bits), b.Layers[l].Biases.Select(BitConverter.DoubleToInt64Bits));
        }
        // Pinned bit patterns: any change to the RNG, the normal sampler or the draw order changes them, and
        // they must be the same on every machine (the sampler uses only IEEE +, -, *, / and sqrt).
        Assert.Equal(PinnedBits, a.Layers[0].Weights.Take(4).Select(BitConverter.DoubleToInt64Bits).ToArray());
    }

    [Fact]
    public void Different_seeds_give_different_weights()
    {
        var a = new Mlp(3, [new LayerSpec(4, Activation.Tanh)]);
        var b = new Mlp(3, [new LayerSpec(4, Activation.Tanh)]);
        new Initializer(InitializerKind.HeNormal).Initialize(a, 1);
        new Initializer(InitializerKind.HeNormal).Initialize(b, 2);
        Assert.NotEqual(a.Layers[0].Weights, b.Layers[0].Weights);
    }

    internal static readonly long[] PinnedBits = [-4655768121061513415, 4600431500117087154, -4614723210682794072, -4620337761139885645];

    private static double[] Draw(Initializer init, ulong seed)
    {
        var layer = new DenseLayer(FanIn, FanOut, Activation.Tanh);
        init.InitializeLayer(layer, new Rng(seed));
        return layer.Weights;
    }

    private static (double Mean, double Variance) Moments(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, variance);
    }
}
