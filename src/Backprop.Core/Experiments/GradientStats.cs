using System.Numerics.Tensors;
using Backprop.Core.Networks;

namespace Backprop.Core.Experiments;

/// <summary>Per-layer statistics of a network after a backward pass (see <see cref="LayerStats"/>).</summary>
public static class GradientStats
{
    /// <summary>
    /// Statistics for every layer; <paramref name="batch"/> is the m of the last pass. With a <paramref name="histograms"/>
    /// counter, each layer's weight-gradient, activation and back-propagated error histograms too.
    /// </summary>
    public static LayerStats[] Measure(Mlp network, int batch, HistogramCounter? histograms = null)
    {
        var stats = new LayerStats[network.Depth];
        for (int l = 0; l < network.Depth; l++)
        {
            stats[l] = Measure(network.Layers[l], l + 1, batch, histograms);
        }
        return stats;
    }

    public static LayerStats Measure(DenseLayer layer, int number, int batch, HistogramCounter? histograms = null)
    {
        ReadOnlySpan<double> g = layer.WeightGradient;
        ReadOnlySpan<double> a = layer.Output;
        // Per-example delta is m * (dJ/dz) because J averages over the batch: sum_i ||m delta_i||^2 / m.
        double deltaSq = TensorPrimitives.SumOfSquares(layer.Delta) * batch;
        double mean = TensorPrimitives.Sum(a) / a.Length;
        double meanSq = TensorPrimitives.SumOfSquares(a) / a.Length;
        return new LayerStats(
            number,
            Math.Sqrt(TensorPrimitives.SumOfSquares(g)),
            Math.Sqrt(TensorPrimitives.SumOfSquares<double>(layer.BiasGradient)),
            deltaSq,
            TensorPrimitives.SumOfMagnitudes(g) / g.Length,
            TensorPrimitives.MaxMagnitude(g) is double max ? Math.Abs(max) : double.NaN,
            mean,
            Math.Sqrt(Math.Max(0, meanSq - mean * mean)),
            SaturatedFraction(layer.Activation, a),
            histograms?.Count(g),
            histograms?.Count(a),
            histograms?.Count(layer.Delta, batch));
    }

    /// <summary>True when the loss and every gradient of the last pass are finite.</summary>
    public static bool AllFinite(Mlp network, double loss)
    {
        if (!double.IsFinite(loss))
        {
            return false;
        }
        foreach (DenseLayer layer in network.Layers)
        {
            if (!double.IsFinite(TensorPrimitives.SumOfSquares<double>(layer.WeightGradient))
                || !double.IsFinite(TensorPrimitives.SumOfSquares<double>(layer.BiasGradient)))
            {
                return false;
            }
        }
        return true;
    }

    private static double SaturatedFraction(Activation phi, ReadOnlySpan<double> a)
    {
        int count = 0;
        switch (phi.Kind)
        {
            case ActivationKind.Tanh:
                foreach (double v in a)
                {
                    count += Math.Abs(v) > 0.99 ? 1 : 0;
                }
                break;
            case ActivationKind.Sigmoid:
                foreach (double v in a)
                {
                    count += v < 0.01 || v > 0.99 ? 1 : 0;
                }
                break;
            case ActivationKind.Relu:
                foreach (double v in a)
                {
                    count += v <= 0 ? 1 : 0;
                }
                break;
            default:
                return double.NaN;
        }
        return (double)count / a.Length;
    }
}
