using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// The same forward pass and loss with every stored value rounded to float32 (parameters, sums, norms, residual sums,
/// activations, J), so a finite difference sees float32's rounding: eps = 1.2e-7 makes the rounding error eps |J| / h
/// of a central difference about 0.1 |J| at h = 1e-6, where float64 (eps = 2.2e-16) gives 2e-10 |J|.
/// Activations are evaluated in float64 and rounded, as a correctly rounded float32 library would return them.
/// </summary>
internal static class SinglePrecisionLoss
{
    public static double Compute(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        float[] h = new float[inputs.Length];
        for (int i = 0; i < h.Length; i++)
        {
            h[i] = (float)inputs[i];
        }
        var blockInputs = new Dictionary<int, float[]>();
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            if (network.BlockStartingAt(l) is not null)
            {
                blockInputs[l] = h;
            }
            int fanIn = layer.InputSize;
            int units = layer.OutputSize;
            float[] z = new float[m * units];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < units; j++)
                {
                    float sum = (float)layer.Biases[j];
                    for (int k = 0; k < fanIn; k++)
                    {
                        sum += h[i * fanIn + k] * (float)layer.Weights[j * fanIn + k];
                    }
                    z[i * units + j] = sum;
                }
                if (layer.Norm != Normalization.None)
                {
                    Normalize(layer, z.AsSpan(i * units, units));
                }
            }
            float[] a = Array.ConvertAll(z, v => (float)layer.Activation.Apply(v));
            h = a;
            if (network.BlockEndingAt(l) is ResidualBlock block)
            {
                float[] xb = blockInputs[block.First];
                float scale = (float)block.Scale;
                h = new float[a.Length];
                for (int i = 0; i < a.Length; i++)
                {
                    float u = xb[i] + scale * a[i];
                    h[i] = block.After is Activation after ? (float)after.Apply(u) : u;
                }
            }
        }
        double[] output = Array.ConvertAll(h, v => (double)v);
        return (float)loss.Value(output, targets, m, network.OutputSize);
    }

    /// <summary>y = gamma (z - mu) / sqrt(var + eps) + beta over one row, in float32.</summary>
    private static void Normalize(DenseLayer layer, Span<float> row)
    {
        float mean = 0;
        foreach (float v in row)
        {
            mean += v;
        }
        mean /= row.Length;
        float variance = 0;
        foreach (float v in row)
        {
            variance += (v - mean) * (v - mean);
        }
        variance /= row.Length;
        float s = MathF.Sqrt(variance + (float)DenseLayer.NormEpsilon);
        for (int j = 0; j < row.Length; j++)
        {
            row[j] = (float)layer.NormGain[j] * ((row[j] - mean) / s) + (float)layer.NormBias[j];
        }
    }
}
