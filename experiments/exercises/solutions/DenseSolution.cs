using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises.Solutions;

/// <summary>Reference solution to exercise 3: each weight and bias is shared by the m examples, so their gradients sum over the batch.</summary>
public sealed class DenseSolution(int inputs, int units, int seed = 1) : Dense(inputs, units, seed)
{
    public override LayerGradients Backward(double[] x, int m, double[] outputGradient)
    {
        var dx = new double[m * InputSize];
        var dp = new double[Parameters.Length];
        int biases = OutputSize * InputSize;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < OutputSize; j++)
            {
                double g = outputGradient[i * OutputSize + j];
                dp[biases + j] += g;
                for (int k = 0; k < InputSize; k++)
                {
                    dp[j * InputSize + k] += g * x[i * InputSize + k];
                    dx[i * InputSize + k] += g * W(j, k);
                }
            }
        }
        return new LayerGradients(dx, dp);
    }
}
