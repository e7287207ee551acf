using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

/// <summary>
/// A batch run a chunk of rows at a time (<see cref="Mlp.ComputeGradientsInChunks"/>) gives the gradient of one pass
/// over all of it: up to the order of the additions for dJ/dW and dJ/db, bit for bit for the per-example values, and
/// bit for bit altogether when the batch fits in one chunk.
/// </summary>
public sealed class MlpChunkTests
{
    private const int Inputs = 3, Hidden = 5, Outputs = 2;

    private static (Mlp Network, double[] X, double[] Y) Problem(Loss loss, int m)
    {
        Mlp network = NetworkFactory.Random(Inputs, [Hidden, Outputs], Activation.Tanh, Activation.Identity, new Initializer(InitializerKind.XavierNormal), 3);
        return (network, NetworkFactory.Matrix(m, Inputs, 4), NetworkFactory.Targets(loss, m, Outputs, 5));
    }

    private static double[][] Gradients(Mlp network) =>
        network.Layers.SelectMany(layer => new[] { layer.WeightGradient.ToArray(), layer.BiasGradient.ToArray() }).ToArray();

    [Theory]
    [InlineData("mse")]
    [InlineData("softmax_cross_entropy")]
    [InlineData("linear")]
    public void Chunks_of_a_20000_example_batch_sum_to_the_one_pass_gradient(string name)
    {
        Assert.True(Loss.TryParse(name, out Loss loss));
        const int m = 20_000; // three chunks of 8,192 rows, the last of 3,616
        var (network, x, y) = Problem(loss, m);
        double onePassJ = network.ComputeGradients(x, y, m, loss);
        double[][] onePass = Gradients(network);
        double[][] deltas = network.Layers.Select(layer => layer.Delta.ToArray()).ToArray();
        double[] dx = network.InputGradient.ToArray();

        Mlp chunked = network.Clone();
        var seen = new List<(int Start, int Rows)>();
        double chunkedJ = chunked.ComputeGradientsInChunks(x, y, m, loss, Mlp.ChunkRows, (start, rows) =>
        {
            seen.Add((start, rows));
            for (int l = 0; l < chunked.Depth; l++)
            {
                int n = chunked.Layers[l].OutputSize;
                Assert.True(chunked.Layers[l].Delta.SequenceEqual(deltas[l].AsSpan(start * n, rows * n)), $"delta[{l + 1}] of rows {start}..");
            }
            Assert.True(chunked.InputGradient.SequenceEqual(dx.AsSpan(start * Inputs, rows * Inputs)), $"dJ/dx of rows {start}..");
        });

        Assert.Equal([(0, 8192), (8192, 8192), (16384, 3616)], seen);
        Assert.Equal(onePassJ, chunkedJ, Math.Abs(onePassJ) * 1e-12);
        double[][] sums = Gradients(chunked);
        for (int p = 0; p < onePass.Length; p++)
        {
            for (int i = 0; i < onePass[p].Length; i++)
            {
                double scale = Math.Max(Math.Abs(onePass[p][i]), 1e-300);
                Assert.True(Math.Abs(sums[p][i] - onePass[p][i]) <= 1e-12 * scale, $"array {p} entry {i}: {sums[p][i]:R} vs {onePass[p][i]:R}");
            }
        }
    }

    [Fact]
    public void A_batch_that_fits_in_one_chunk_gets_the_one_pass_bits()
    {
        var (network, x, y) = Problem(Loss.MeanSquaredError, 500);
        double j = network.ComputeGradients(x, y, 500, Loss.MeanSquaredError);
        double[][] onePass = Gradients(network);
        Mlp chunked = network.Clone();
        // A pass over a larger chunked batch first: its sums must not leak into the next, smaller one.
        var (_, bigX, bigY) = Problem(Loss.MeanSquaredError, 1200);
        chunked.ComputeGradientsInChunks(bigX, bigY, 1200, Loss.MeanSquaredError, 500);
        Assert.Equal(j, chunked.ComputeGradientsInChunks(x, y, 500, Loss.MeanSquaredError, 500));
        double[][] again = Gradients(chunked);
        for (int p = 0; p < onePass.Length; p++)
        {
            Assert.Equal(onePass[p], again[p]);
        }
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("softmax_cross_entropy")]
    public void Chunked_gradients_match_central_differences_of_the_full_batch_loss(string name)
    {
        Assert.True(Loss.TryParse(name, out Loss loss));
        const int m = 1000, chunk = 300; // a last chunk of 100
        var (network, x, y) = Problem(loss, m);
        network.ComputeGradientsInChunks(x, y, m, loss, chunk);
        double[][] analytic = Gradients(network);
        var differences = new FiniteDifference(network, x, y, m, loss);
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            foreach (var (values, gradient) in new[] { (layer.Weights, analytic[2 * l]), (layer.Biases, analytic[2 * l + 1]) })
            {
                for (int i = 0; i < values.Length; i++)
                {
                    double numeric = differences.Derivative(values, i).Numeric;
                    double tolerance = 1e-6 * Math.Max(Math.Abs(gradient[i]), Math.Abs(numeric)) + 1e-9;
                    Assert.True(Math.Abs(gradient[i] - numeric) <= tolerance, $"layer {l + 1} parameter {i}: analytic {gradient[i]:R}, numeric {numeric:R}");
                }
            }
        }
    }

    [Fact]
    public void A_warm_chunked_training_step_allocates_nothing()
    {
        var (network, x, y) = Problem(Loss.MeanSquaredError, 1000);
        var sgd = new Sgd(1e-2);
        for (int i = 0; i < 2; i++)
        {
            network.ComputeGradientsInChunks(x, y, 1000, Loss.MeanSquaredError, 128);
            sgd.Step(network);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            network.ComputeGradientsInChunks(x, y, 1000, Loss.MeanSquaredError, 128);
            sgd.Step(network);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Chunked_pass_rejects_mismatched_shapes_and_empty_chunks()
    {
        var (network, x, y) = Problem(Loss.MeanSquaredError, 10);
        Assert.Throws<ArgumentException>(() => network.ComputeGradientsInChunks(x.AsSpan(0, 9 * Inputs), y, 10, Loss.MeanSquaredError, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeGradientsInChunks(x, y, 10, Loss.MeanSquaredError, 0));
    }
}
