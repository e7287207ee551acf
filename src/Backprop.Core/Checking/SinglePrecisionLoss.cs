using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// The same forward pass and loss with every stored value rounded to float32 (parameters, sums, activations,
/// J), so a finite difference sees float32's rounding: eps = 1.2e-7 makes the rounding error eps |J| / h of a
/// central difference about 0.1 |J| at h = 1e-6, where float64 (eps = 2.2e-16) gives 2e-10 |J|.
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
        foreach (DenseLayer layer in network.Layers)
        {
            int fanIn = layer.InputSize;
            int units = layer.OutputSize;
            float[] a = new float[m * units];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < units; j++)
                {
                    float z = (float)layer.Biases[j];
                    for (int k = 0; k < fanIn; k++)
                    {
                        z += h[i * fanIn + k] * (float)layer.Weights[j * fanIn + k];
                    }
                    a[i * units + j] = (float)layer.Activation.Apply(z);
                }
            }
            h = a;
        }
        double[] output = Array.ConvertAll(h, v => (double)v);
        return (float)loss.Value(output, targets, m, network.OutputSize);
    }
}
