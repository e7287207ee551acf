using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Support;

/// <summary>Small random networks and batches for gradient tests, from fixed seeds.</summary>
internal static class NetworkFactory
{
    public static readonly Activation[] AllActivations =
    [
        Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.1),
        Activation.Elu(1.3), Activation.Softplus, Activation.Gelu, Activation.Abs,
    ];

    public static Mlp Random(int inputs, int[] widths, Activation hidden, Activation output, Initializer init, ulong seed)
    {
        var specs = widths.Select((w, i) => new LayerSpec(w, i == widths.Length - 1 ? output : hidden)).ToArray();
        var network = new Mlp(inputs, specs);
        init.Initialize(network, seed);
        return network;
    }

    /// <summary>
    /// A network of <paramref name="hidden"/> hidden layers of <paramref name="width"/> units with <paramref name="architecture"/>,
    /// then a linear readout to <paramref name="outputs"/>; norm gains and biases are drawn away from 1 and 0 so that a
    /// rule that ignores them shows.
    /// </summary>
    public static Mlp Architectural(int inputs, int width, int hidden, int outputs, Activation phi, Architecture architecture, Initializer init, ulong seed)
    {
        var plain = Enumerable.Range(0, hidden).Select(_ => new LayerSpec(width, phi)).Append(new LayerSpec(outputs, Activation.Identity)).ToArray();
        (LayerSpec[] specs, ResidualBlock[] blocks) = architecture.Apply(plain, hidden);
        var network = new Mlp(inputs, specs, blocks);
        init.Initialize(network, seed);
        var rng = new Rng(seed + 1000);
        foreach (DenseLayer layer in network.Layers)
        {
            for (int j = 0; j < layer.NormGain.Length; j++)
            {
                layer.NormGain[j] = 1 + 0.3 * rng.NextNormal();
                layer.NormBias[j] = 0.2 * rng.NextNormal();
            }
        }
        return network;
    }

    /// <summary>The architectures the exactness tests cover: plain and residual (pre k = 1, 2; post k = 2), each with and without layernorm.</summary>
    public static readonly Architecture[] Architectures =
    [
        Architecture.Plain,
        new() { Norm = Normalization.LayerNorm },
        new() { Residual = true, BlockDepth = 1, ResidualScale = "0.7" },
        new() { Residual = true, BlockDepth = 2 },
        new() { Residual = true, BlockDepth = 2, Form = BlockForm.Post, ResidualScale = "1/sqrt(L)" },
        new() { Residual = true, BlockDepth = 2, Norm = Normalization.LayerNorm },
        new() { Residual = true, BlockDepth = 1, Form = BlockForm.Post, Norm = Normalization.LayerNorm, ResidualScale = "0.5/L" },
    ];

    public static double[] Matrix(int rows, int cols, ulong seed, double scale = 1.0)
    {
        var rng = new Rng(seed);
        var values = new double[rows * cols];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = scale * rng.NextNormal();
        }
        return values;
    }

    /// <summary>Targets for a loss: real values for MSE, one-hot rows for cross-entropy.</summary>
    public static double[] Targets(Loss loss, int rows, int cols, ulong seed)
    {
        if (loss == Loss.MeanSquaredError)
        {
            return Matrix(rows, cols, seed);
        }
        var rng = new Rng(seed);
        var targets = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            targets[i * cols + rng.NextInt(cols)] = 1.0;
        }
        return targets;
    }
}
