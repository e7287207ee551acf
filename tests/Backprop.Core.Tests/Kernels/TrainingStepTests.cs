using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Kernels;

/// <summary>
/// Facts about a whole training step on the packed kernels: it allocates nothing once warm, its gradients do not
/// depend on the thread count, and they agree with a naive backward pass written out with plain loops.
/// </summary>
public sealed class TrainingStepTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_warm_training_step_allocates_nothing(int threads)
    {
        // Width 128, batch 64: each product is 2^20 multiply-adds, at the parallel threshold, so two threads split it.
        var (network, x, y) = Problem(depth: 3, width: 128, batch: 64, ActivationKind.Tanh);
        network.KernelThreads = threads;
        var sgd = new Sgd(1e-3);
        for (int i = 0; i < 3; i++)
        {
            network.ComputeGradients(x, y, 64, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            network.ComputeGradients(x, y, 64, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Gelu)]
    public void Gradients_are_bit_identical_on_one_thread_and_two_and_run_to_run(ActivationKind kind)
    {
        double[][] one = Gradients(kind, threads: 1);
        double[][] again = Gradients(kind, threads: 1);
        double[][] two = Gradients(kind, threads: 2);
        Assert.Equal(one, again);
        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Elu)]
    public void Gradients_match_a_naive_backward_pass_to_1e_12(ActivationKind kind)
    {
        const int batch = 13, width = 37;
        var (network, x, y) = Problem(depth: 4, width, batch, kind);
        network.ComputeGradients(x, y, batch, Loss.MeanSquaredError);
        var (weightGradients, inputGradient) = NaiveBackward(network, x, y, batch);
        for (int l = 0; l < network.Depth; l++)
        {
            AssertClose(weightGradients[l], network.Layers[l].WeightGradient, $"dW layer {l + 1}");
        }
        AssertClose(inputGradient, network.InputGradient.ToArray(), "dx");
    }

    private static double[][] Gradients(ActivationKind kind, int threads)
    {
        var (network, x, y) = Problem(depth: 3, width: 150, batch: 70, kind);
        network.KernelThreads = threads;
        network.ComputeGradients(x, y, 70, Loss.MeanSquaredError);
        return [.. network.Layers.SelectMany(l => new[] { l.WeightGradient, l.BiasGradient, l.Delta.ToArray() }), network.InputGradient.ToArray()];
    }

    private static (Mlp Network, double[] X, double[] Y) Problem(int depth, int width, int batch, ActivationKind kind)
    {
        Activation phi = NetworkFactory.AllActivations.First(a => a.Kind == kind);
        Mlp network = NetworkFactory.Random(width, Enumerable.Repeat(width, depth).ToArray(), phi, Activation.Identity, new Initializer(InitializerKind.XavierNormal), 7);
        return (network, NetworkFactory.Matrix(batch, width, 8), NetworkFactory.Matrix(batch, width, 9));
    }

    /// <summary>Backpropagation as the worked example writes it, entry by entry, on the network's own forward values.</summary>
    private static (double[][] WeightGradients, double[] InputGradient) NaiveBackward(Mlp network, double[] x, double[] y, int m)
    {
        int depth = network.Depth;
        var inputs = new double[depth][];
        inputs[0] = x;
        for (int l = 1; l < depth; l++)
        {
            inputs[l] = network.Layers[l - 1].Output.ToArray();
        }
        DenseLayer top = network.Layers[^1];
        double[] output = top.Output.ToArray();
        var g = new double[output.Length];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = -2.0 * (y[i] - output[i]) / m;
        }
        var weightGradients = new double[depth][];
        for (int l = depth - 1; l >= 0; l--)
        {
            DenseLayer layer = network.Layers[l];
            int n = layer.OutputSize, k = layer.InputSize;
            double[] z = layer.PreActivation.ToArray();
            var delta = new double[m * n];
            for (int i = 0; i < delta.Length; i++)
            {
                delta[i] = g[i] * layer.Activation.Derivative(z[i]);
            }
            var dw = new double[n * k];
            var dx = new double[m * k];
            for (int j = 0; j < n; j++)
            {
                for (int q = 0; q < k; q++)
                {
                    double s = 0;
                    for (int i = 0; i < m; i++)
                    {
                        s += delta[i * n + j] * inputs[l][i * k + q];
                    }
                    dw[j * k + q] = s;
                }
            }
            for (int i = 0; i < m; i++)
            {
                for (int q = 0; q < k; q++)
                {
                    double s = 0;
                    for (int j = 0; j < n; j++)
                    {
                        s += delta[i * n + j] * layer.Weights[j * k + q];
                    }
                    dx[i * k + q] = s;
                }
            }
            weightGradients[l] = dw;
            g = dx;
        }
        return (weightGradients, g);
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        double norm = Math.Sqrt(expected.Sum(v => v * v));
        for (int i = 0; i < expected.Length; i++)
        {
            // Relative to the tensor's norm: entries that cancel to ~0 carry rounding of the size of their terms.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * norm, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
        }
    }
}
