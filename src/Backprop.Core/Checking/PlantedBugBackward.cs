using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// A hand-written backward pass over the engine's public pieces (forward, loss, activation derivative, GEMM
/// kernels) with one deliberate mistake: the kind of backward a learner writes, so the checker has something
/// real to catch and name. Without its bug it computes exactly what the engine computes.
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
        var layers = new LayerTrace[network.Depth];
        double[] upstream = outputGradient;
        double[] x = inputs.ToArray();
        for (int l = network.Depth - 1; l >= 0; l--)
        {
            DenseLayer layer = network.Layers[l];
            bool buggy = !_bug.IsLossBug && _bug.Layer == l + 1;
            ReadOnlySpan<double> input = l == 0 ? x : network.Layers[l - 1].Output;
            var delta = (double[])upstream.Clone();
            if (!(buggy && _bug.Kind == PlantedBugKind.DropActivationDerivative))
            {
                layer.Activation.MultiplyByDerivative(layer.PreActivation, layer.Output, delta);
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
            layers[l] = new LayerTrace(upstream, delta, dW, db, dx);
            upstream = dx;
        }
        return new BackwardTrace(j, outputGradient, layers);
    }

    private static void ScaleInPlace(double[] values, double factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
