using System.Numerics.Tensors;
using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// A hand-written backward pass over the engine's public pieces (forward, loss, activation derivative, GEMM
/// kernels) with one deliberate mistake: the kind of backward a learner writes, so the checker has something
/// real to catch and name. Without its bug it computes exactly what the engine computes, residual blocks and
/// layernorm included (the order of <see cref="ReferenceBackward"/>: split at a block's sum, phi', the norm, the
/// layer's products, then the skip's share added where the block starts).
/// </summary>
public sealed class PlantedBugBackward : IBackwardPass
{
    private readonly PlantedBug _bug;

    public PlantedBugBackward(PlantedBug bug)
    {
        _bug = bug ?? throw new ArgumentNullException(nameof(bug));
    }

    public string Name => $"planted bug {_bug}";

    /// <summary>Throws <see cref="ArgumentException"/> when the bug cannot be planted in this network (layer out of range, shapes).</summary>
    public void Validate(Mlp network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_bug.IsLossBug)
        {
            return;
        }
        if (_bug.Kind == PlantedBugKind.SkipNotAdded)
        {
            int count = network.Blocks.Count;
            if (_bug.Layer > count)
            {
                throw new ArgumentException(count == 0
                    ? $"bug {_bug}: the network has no residual blocks, so there is no skip to leave out"
                    : $"bug {_bug}: the number after @ is the residual block, and the network has {count} block(s)");
            }
            return;
        }
        if (_bug.Layer > network.Depth)
        {
            throw new ArgumentException($"bug {_bug}: the network has {network.Depth} layer(s), so layer {_bug.Layer} does not exist");
        }
        DenseLayer layer = network.Layers[_bug.Layer - 1];
        if (_bug.Kind == PlantedBugKind.TransposedWeights && layer.InputSize != layer.OutputSize)
        {
            throw new ArgumentException($"bug {_bug}: W^T in place of W needs a square layer; layer {_bug.Layer} is {layer.InputSize} -> {layer.OutputSize}");
        }
        if (_bug.Kind == PlantedBugKind.ShiftedDelta &&
            (_bug.Layer == network.Depth || network.Layers[_bug.Layer].OutputSize != layer.OutputSize))
        {
            throw new ArgumentException($"bug {_bug}: borrowing the delta of layer {_bug.Layer + 1} needs that layer to exist and have the same width");
        }
        if (_bug.Kind == PlantedBugKind.NormMissingMean && layer.Norm == Normalization.None)
        {
            throw new ArgumentException($"bug {_bug}: layer {_bug.Layer} has no layernorm");
        }
    }

    public BackwardTrace Run(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        Validate(network);
        ArgumentNullException.ThrowIfNull(loss);
        int n = network.OutputSize;
        ReadOnlySpan<double> output = network.Forward(inputs, m);
        var outputGradient = new double[m * n];
        double j = loss.Compute(output, targets, m, n, outputGradient);
        if (_bug.Kind == PlantedBugKind.LossMissingTwo)
        {
            ScaleInPlace(outputGradient, 0.5);
        }
        else if (_bug.Kind == PlantedBugKind.LossMissingMean)
        {
            ScaleInPlace(outputGradient, m);
        }
        IReadOnlyList<ResidualBlock> specs = network.Blocks;
        var blocks = new BlockTrace[specs.Count];
        var layers = new LayerTrace[network.Depth];
        double[] g = outputGradient; // dJ/d(what the layer above reads)
        double[] x = inputs.ToArray();
        for (int l = network.Depth - 1; l >= 0; l--)
        {
            DenseLayer layer = network.Layers[l];
            bool buggy = !_bug.IsLossBug && _bug.Kind != PlantedBugKind.SkipNotAdded && _bug.Layer == l + 1;
            double[] upstream = g;
            int ending = EngineBackward.IndexOf(specs, s => s.Last == l);
            if (ending >= 0)
            {
                // The sum splits g: the skip's share goes to x_b, alpha times it to the branch's last layer.
                ResidualBlock block = specs[ending];
                var skip = (double[])g.Clone();
                block.After?.MultiplyByDerivative(network.BlockSum(l), network.OutputOf(l), skip);
                var branch = new double[skip.Length];
                TensorPrimitives.Multiply(skip, block.Scale, branch);
                blocks[ending] = new BlockTrace(g, skip, branch, []);
                upstream = branch;
            }
            ReadOnlySpan<double> input = l == 0 ? x : network.OutputOf(l - 1);
            var delta = (double[])upstream.Clone();
            if (!(buggy && _bug.Kind == PlantedBugKind.DropActivationDerivative))
            {
                layer.Activation.MultiplyByDerivative(layer.PreActivation, layer.Output, delta);
            }
            double[] dy = [], dGain = [], dShift = [];
            if (layer.Norm != Normalization.None)
            {
                dy = delta;
                (delta, dGain, dShift) = NormBackward(layer, dy, m, missingMean: buggy && _bug.Kind == PlantedBugKind.NormMissingMean);
            }
            double[] used = buggy && _bug.Kind == PlantedBugKind.ShiftedDelta ? layers[l + 1].Delta : delta;
            var dW = new double[layer.OutputSize * layer.InputSize];
            var db = new double[layer.OutputSize];
            var dx = new double[m * layer.InputSize];
            Gemm.MultiplyTransposedA(used, input, m, layer.OutputSize, layer.InputSize, dW);
            if (buggy && _bug.Kind == PlantedBugKind.OverwriteFanOut)
            {
                for (int i = 0; i < m; i++)
                {
                    for (int u = 0; u < layer.OutputSize; u++)
                    {
                        db[u] = used[i * layer.OutputSize + u]; // the bug: "=" where the batch sum needs "+="
                    }
                }
            }
            else
            {
                Gemm.SumRows(used, m, layer.OutputSize, db);
            }
            if (buggy && _bug.Kind == PlantedBugKind.TransposedWeights)
            {
                // dx[i, k] = sum_p delta[i, p] W[k, p]: the bug; the rule is sum_p delta[i, p] W[p, k].
                Gemm.MultiplyTransposedB(used, layer.Weights, m, layer.OutputSize, layer.InputSize, dx);
            }
            else
            {
                Gemm.Multiply(used, layer.Weights, m, layer.OutputSize, layer.InputSize, dx);
            }
            layers[l] = new LayerTrace(upstream, delta, dW, db, dx, dy, dGain, dShift);
            g = dx;
            int starting = EngineBackward.IndexOf(specs, s => s.First == l);
            if (starting >= 0)
            {
                // Two paths from J meet at x_b, the skip and the branch: their gradients add (the bug leaves out the skip's).
                var sum = (double[])dx.Clone();
                if (!(_bug.Kind == PlantedBugKind.SkipNotAdded && _bug.Layer == starting + 1))
                {
                    TensorPrimitives.Add(sum, blocks[starting].SkipGradient, sum);
                }
                blocks[starting] = blocks[starting] with { InputGradient = sum };
                g = sum;
            }
        }
        return new BackwardTrace(j, outputGradient, layers, blocks) { InputGradient = g };
    }

    /// <summary>
    /// Per row: dgamma += dy zhat, dbeta += dy, dzhat = gamma dy, dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s;
    /// with <paramref name="missingMean"/> the - mean(dzhat) term is left out.
    /// </summary>
    private static (double[] Dz, double[] DGain, double[] DShift) NormBackward(DenseLayer layer, double[] dy, int m, bool missingMean)
    {
        int n = layer.OutputSize;
        ReadOnlySpan<double> zhat = layer.Normalized;
        ReadOnlySpan<double> inverse = layer.InverseStd;
        var dz = new double[m * n];
        var dGain = new double[n];
        var dShift = new double[n];
        var dzhat = new double[n];
        for (int i = 0; i < m; i++)
        {
            double meanD = 0, meanDZ = 0;
            for (int j = 0; j < n; j++)
            {
                double d = dy[i * n + j];
                dGain[j] += d * zhat[i * n + j];
                dShift[j] += d;
                dzhat[j] = layer.NormGain[j] * d;
                meanD += dzhat[j] / n;
                meanDZ += dzhat[j] * zhat[i * n + j] / n;
            }
            for (int j = 0; j < n; j++)
            {
                double mean = missingMean ? 0 : meanD; // the bug: the gradient through mu is dropped
                dz[i * n + j] = (dzhat[j] - mean - zhat[i * n + j] * meanDZ) * inverse[i];
            }
        }
        return (dz, dGain, dShift);
    }

    private static void ScaleInPlace(double[] values, double factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
