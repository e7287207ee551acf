using System.Numerics.Tensors;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// The engine's backward pass (<see cref="Mlp.ComputeGradients"/>), read back layer by layer and block by block.
/// The engine keeps dJ/d(what the layer above reads) and the sum dJ/dx_b where a block starts; the shares of a block's
/// sum are formed from them as the engine forms them (skip = g or g phi'(u), branch = alpha skip), and a block's first
/// layer's own dJ/dx is dJ/dx_b less the skip's share. A normed layer's dJ/dy is overwritten in place by its norm's
/// backward, so the trace forms it again as dJ/da phi'(y): the activation step of a normed layer is checked end to end,
/// and the localiser checks the norm's rule on this dJ/dy.
/// </summary>
public sealed class EngineBackward : IBackwardPass
{
    public static EngineBackward Instance { get; } = new();

    public string Name => "engine";

    public BackwardTrace Run(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        double j = network.ComputeGradients(inputs, targets, m, loss);
        IReadOnlyList<ResidualBlock> specs = network.Blocks;
        var blocks = new BlockTrace[specs.Count];
        for (int b = 0; b < specs.Count; b++)
        {
            ResidualBlock block = specs[b];
            double[] g = network.ActivationGradient(block.Last).ToArray();
            double[] skip = (double[])g.Clone();
            block.After?.MultiplyByDerivative(network.BlockSum(block.Last), network.OutputOf(block.Last), g, skip);
            double[] branch = new double[skip.Length];
            TensorPrimitives.Multiply(skip, block.Scale, branch);
            double[] dx = (block.First == 0 ? network.InputGradient : network.ActivationGradient(block.First - 1)).ToArray();
            blocks[b] = new BlockTrace(g, skip, branch, dx);
        }
        var layers = new LayerTrace[network.Depth];
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            int ending = IndexOf(specs, s => s.Last == l), starting = IndexOf(specs, s => s.First == l);
            double[] upstream = ending >= 0 ? blocks[ending].BranchGradient : network.ActivationGradient(l).ToArray();
            double[] dx = (l == 0 ? network.InputGradient : network.ActivationGradient(l - 1)).ToArray();
            if (starting >= 0)
            {
                TensorPrimitives.Subtract(dx, blocks[starting].SkipGradient, dx);
            }
            double[] dy = [];
            if (layer.Norm != Normalization.None)
            {
                dy = new double[upstream.Length];
                layer.Activation.MultiplyByDerivative(layer.PreActivation, layer.Output, upstream, dy);
            }
            layers[l] = new LayerTrace(
                upstream, layer.Delta.ToArray(), (double[])layer.WeightGradient.Clone(), (double[])layer.BiasGradient.Clone(), dx,
                dy, (double[])layer.NormGainGradient.Clone(), (double[])layer.NormBiasGradient.Clone());
        }
        return new BackwardTrace(j, network.OutputGradient.ToArray(), layers, blocks) { InputGradient = network.InputGradient.ToArray() };
    }

    internal static int IndexOf(IReadOnlyList<ResidualBlock> blocks, Func<ResidualBlock, bool> match)
    {
        for (int b = 0; b < blocks.Count; b++)
        {
            if (match(blocks[b]))
            {
                return b;
            }
        }
        return -1;
    }
}
