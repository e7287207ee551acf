using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>The engine's backward pass (<see cref="Mlp.ComputeGradients"/>), read back layer by layer.</summary>
public sealed class EngineBackward : IBackwardPass
{
    public static EngineBackward Instance { get; } = new();

    public string Name => "engine";

    public BackwardTrace Run(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        double j = network.ComputeGradients(inputs, targets, m, loss);
        var layers = new LayerTrace[network.Depth];
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            ReadOnlySpan<double> dx = l == 0 ? network.InputGradient : network.ActivationGradient(l - 1);
            layers[l] = new LayerTrace(
                network.ActivationGradient(l).ToArray(), layer.Delta.ToArray(),
                (double[])layer.WeightGradient.Clone(), (double[])layer.BiasGradient.Clone(), dx.ToArray());
        }
        return new BackwardTrace(j, network.OutputGradient.ToArray(), layers);
    }
}
