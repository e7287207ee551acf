using System.Numerics.Tensors;

namespace Backprop.Core.Networks;

/// <summary>Called after each chunk of a chunked pass with the rows [start, start + rows) of the batch it ran.</summary>
public delegate void ChunkVisitor(int start, int rows);

/// <summary>
/// Passes over a batch a chunk of rows at a time, so that the network's buffers (z, a, phi', delta for every unit,
/// the input, dJ/da and dJ/dx: some 5 doubles per unit and 2 per input for every example they hold) are sized to a
/// chunk, not to the batch.
/// </summary>
public sealed partial class Mlp
{
    /// <summary>
    /// The rows of a chunk where a command runs a batch of any size (lab grad, lab train). Large enough that the matrix
    /// products of a chunk run at full speed and that the batches of the examples and of most studies (thousands of
    /// examples) run in one pass, bit for bit as <see cref="ComputeGradients"/>;
    /// small enough that a narrow network's buffers are about a megabyte (17 doubles an example for 2-2-1) where a
    /// full pass over millions of examples would hold hundreds of megabytes, many times the data itself.
    /// </summary>
    public const int ChunkRows = 8192;

    private double[][] _gradientSums = [];
    private double[][] _gradients = [];

    /// <summary>
    /// Forward, loss and backward over <paramref name="m"/> examples, <paramref name="chunk"/> rows at a time; returns J,
    /// and leaves in every layer the whole batch's dJ/dW and dJ/db: the sums over chunks of each chunk's share. The loss
    /// gives each chunk's rows the whole batch's dJ/d(output), 1/m included (<see cref="Loss.Sum"/>), so the per-example
    /// values (deltas, dJ/dx) are bit for bit those of one pass over all rows, and the gradients differ from it only by
    /// the order of their additions. With m at most <paramref name="chunk"/> this is the one-pass
    /// <see cref="ComputeGradients"/>.
    /// <paramref name="visit"/>, when given, is called after each chunk's backward pass, while the layers'
    /// <see cref="DenseLayer.Delta"/>, their outputs and <see cref="InputGradient"/> hold that chunk's rows.
    /// Once warm it allocates nothing.
    /// </summary>
    public double ComputeGradientsInChunks(ReadOnlySpan<double> x, ReadOnlySpan<double> targets, int m, Loss loss, int chunk, ChunkVisitor? visit = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        if (x.Length != m * InputSize || targets.Length != m * OutputSize)
        {
            throw new ArgumentException($"{m} rows need {m * InputSize} inputs and {m * OutputSize} targets, got {x.Length} and {targets.Length}");
        }
        if (m <= chunk)
        {
            double j = ComputeGradients(x, targets, m, loss);
            visit?.Invoke(0, m);
            return j;
        }
        EnsureGradientSums();
        double sum = 0;
        for (int start = 0; start < m; start += chunk)
        {
            int rows = Math.Min(chunk, m - start);
            ReadOnlySpan<double> output = Forward(x.Slice(start * InputSize, rows * InputSize), rows);
            Span<double> g = _outputGradient.AsSpan(0, rows * OutputSize);
            sum += loss.Sum(output, targets.Slice(start * OutputSize, rows * OutputSize), rows, OutputSize, g, m);
            Backward(g);
            for (int t = 0; t < _gradients.Length; t++)
            {
                Accumulate(_gradients[t], _gradientSums[t], start == 0);
            }
            visit?.Invoke(start, rows);
        }
        for (int t = 0; t < _gradients.Length; t++)
        {
            _gradientSums[t].CopyTo(_gradients[t], 0);
        }
        return sum / m;
    }

    /// <summary>
    /// The outputs for <paramref name="m"/> rows of <paramref name="x"/> (m x inputs) into <paramref name="output"/>
    /// (m x outputs), <paramref name="chunk"/> rows at a time, so the network's buffers never grow beyond
    /// <paramref name="chunk"/> rows. Bit for bit what <see cref="Forward"/> gives on all rows at once: every output
    /// row depends on its input row alone, and each of its elements adds its terms in the same order whatever the
    /// rows around it.
    /// </summary>
    public void ForwardInto(ReadOnlySpan<double> x, int m, Span<double> output, int chunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        if (x.Length < m * InputSize || output.Length < m * OutputSize)
        {
            throw new ArgumentException($"{m} rows need {m * InputSize} inputs and room for {m * OutputSize} outputs, got {x.Length} and {output.Length}");
        }
        for (int start = 0; start < m; start += chunk)
        {
            int rows = Math.Min(chunk, m - start);
            Forward(x.Slice(start * InputSize, rows * InputSize), rows).CopyTo(output.Slice(start * OutputSize, rows * OutputSize));
        }
    }

    /// <summary>
    /// The mean of J over <paramref name="m"/> examples (x is m x inputs, targets m x outputs), computed
    /// <paramref name="chunk"/> rows at a time: the sum over chunks of each chunk's J times its rows, over m. Equal to
    /// <see cref="ComputeLoss"/> on all m rows up to the order of the additions. One pass over all rows would grow
    /// every layer's buffers to m rows: with the training batch as the chunk the buffers the network already has
    /// serve, whereas one pass over 1,024 examples on a 32-layer, 128-wide network would allocate 100 MB (large
    /// objects, each a full collection's worth) at the end of every trial.
    /// </summary>
    public double MeanLoss(ReadOnlySpan<double> x, ReadOnlySpan<double> targets, int m, Loss loss, int chunk)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        if (x.Length < m * InputSize || targets.Length < m * OutputSize)
        {
            throw new ArgumentException($"{m} rows need {m * InputSize} inputs and {m * OutputSize} targets, got {x.Length} and {targets.Length}");
        }
        double total = 0;
        for (int start = 0; start < m; start += chunk)
        {
            int rows = Math.Min(chunk, m - start);
            total += rows * ComputeLoss(x.Slice(start * InputSize, rows * InputSize), targets.Slice(start * OutputSize, rows * OutputSize), rows, loss);
        }
        return total / m;
    }

    private static void Accumulate(double[] chunkGradient, double[] sum, bool first)
    {
        if (first)
        {
            chunkGradient.CopyTo(sum, 0);
        }
        else
        {
            TensorPrimitives.Add(sum, chunkGradient, sum);
        }
    }

    private void EnsureGradientSums()
    {
        if (_gradientSums.Length > 0)
        {
            return;
        }
        _gradients = ParameterGradients().ToArray();
        _gradientSums = _gradients.Select(gradient => Rent(gradient.Length)).ToArray();
    }

    private void GiveGradientSums()
    {
        if (_pool is not null)
        {
            foreach (double[] array in _gradientSums)
            {
                _pool.Return(array);
            }
        }
        _gradientSums = _gradients = [];
    }

    /// <summary>Every parameter tensor's gradient, layer by layer: dJ/dW, dJ/db, then dJ/dgamma and dJ/dbeta of a norm.</summary>
    private IEnumerable<double[]> ParameterGradients()
    {
        foreach (DenseLayer layer in _layers)
        {
            yield return layer.WeightGradient;
            yield return layer.BiasGradient;
            if (layer.Norm != Normalization.None)
            {
                yield return layer.NormGainGradient;
                yield return layer.NormBiasGradient;
            }
        }
    }
}
