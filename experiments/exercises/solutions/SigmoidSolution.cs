using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises.Solutions;

/// <summary>Reference solution to exercise 1: dL/dx = dL/dy * sigma(x) (1 - sigma(x)).</summary>
public sealed class SigmoidSolution(int size) : Sigmoid(size)
{
    public override LayerGradients Backward(double[] x, int m, double[] outputGradient)
    {
        double[] y = Forward(x, m);
        var dx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = outputGradient[i] * y[i] * (1.0 - y[i]);
        }
        return new LayerGradients(dx, []);
    }
}
