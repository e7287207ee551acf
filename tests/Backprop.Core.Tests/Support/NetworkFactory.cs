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
