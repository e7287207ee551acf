using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises.Solutions;

/// <summary>Reference solution to exercise 2: dL/dx_ic = g_i (softmax(x_i)_c sum_k y_ik - y_ic).</summary>
public sealed class SoftmaxCrossEntropySolution(int classes, double[] targets) : SoftmaxCrossEntropy(classes, targets)
{
    public override LayerGradients Backward(double[] x, int m, double[] outputGradient)
    {
        var dx = new double[x.Length];
        for (int i = 0; i < m; i++)
        {
            double[] p = Softmax(x, i, InputSize);
            double ySum = Targets.Skip(i * InputSize).Take(InputSize).Sum();
            for (int c = 0; c < InputSize; c++)
            {
                dx[i * InputSize + c] = outputGradient[i] * (p[c] * ySum - Targets[i * InputSize + c]);
            }
        }
        return new LayerGradients(dx, []);
    }
}
