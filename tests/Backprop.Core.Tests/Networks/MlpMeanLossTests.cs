using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Networks;

public class MlpMeanLossTests
{
    private static (Mlp Network, double[] X, double[] Y) Setup(int m, bool oneHot)
    {
        Mlp network = Mlp.Uniform(12, 16, 5, Activation.Tanh);
        new Initializer(InitializerKind.XavierNormal).Initialize(network, 7);
        var rng = new Rng(11);
        double[] x = new double[m * 12];
        double[] y = new double[m * 16];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
        }
        for (int i = 0; i < m; i++)
        {
            for (int c = 0; c < 16; c++)
            {
                y[i * 16 + c] = oneHot ? (c == i % 16 ? 1 : 0) : rng.NextNormal();
            }
        }
        return (network, x, y);
    }

    [Theory]
    [InlineData("mse", 64)]
    [InlineData("mse", 1)]
    [InlineData("mse", 4096)]
    [InlineData("softmax_cross_entropy", 64)]
    [InlineData("linear", 37)]
    public void Chunked_mean_loss_equals_the_loss_of_one_pass_over_all_rows(string name, int chunk)
    {
        Assert.True(Loss.TryParse(name, out Loss loss));
        // 1,000 rows: 64-row chunks leave a last chunk of 40.
        var (network, x, y) = Setup(1000, oneHot: name == "softmax_cross_entropy");
        double onePass = network.ComputeLoss(x, y, 1000, loss);
        network.ComputeGradients(x.AsSpan(0, 64 * 12), y.AsSpan(0, 64 * 16), 64, loss); // a training batch first, as in a trial
        double chunked = network.MeanLoss(x, y, 1000, loss, chunk);
        Assert.NotEqual(0, onePass);
        Assert.Equal(onePass, chunked, Math.Abs(onePass) * 1e-13);
    }

    [Fact]
    public void Mean_loss_rejects_short_inputs_and_empty_chunks()
    {
        var (network, x, y) = Setup(10, oneHot: false);
        Assert.Throws<ArgumentException>(() => network.MeanLoss(x.AsSpan(0, 12 * 9), y, 10, Loss.MeanSquaredError, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.MeanLoss(x, y, 10, Loss.MeanSquaredError, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(5000)]
    public void Forward_in_chunks_gives_the_outputs_of_one_pass_bit_for_bit(int chunk)
    {
        // Wide enough for the packed product's blocked paths (64-row blocks, 16-wide panels), 1,000 rows.
        Mlp network = Mlp.Uniform(40, 96, 3, Activation.Tanh, outputSize: 17);
        new Initializer(InitializerKind.XavierNormal).Initialize(network, 3);
        var rng = new Rng(5);
        double[] x = new double[1000 * 40];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
        }
        double[] chunked = new double[1000 * 17];
        network.ForwardInto(x, 1000, chunked, chunk);
        double[] onePass = network.Clone().Forward(x, 1000).ToArray();
        Assert.Equal(onePass.Select(BitConverter.DoubleToInt64Bits), chunked.Select(BitConverter.DoubleToInt64Bits));
    }
}
