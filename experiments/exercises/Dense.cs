using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises;

/// <summary>
/// Exercise 3: a dense layer y = x W^T + b, x m x inputs, W units x inputs (row-major), b units; the parameters are
/// W then b, flattened. Write <see cref="Backward"/>: given dL/dy (m x units), return dL/dx (m x inputs) and
/// dL/dparameters (dL/dW then dL/db). Hint: dL/dW = (dL/dy)^T x, dL/db sums dL/dy over the batch, dL/dx = (dL/dy) W.
/// </summary>
public class Dense : IDifferentiableLayer
{
    public Dense(int inputs, int units, int seed = 1)
    {
        InputSize = inputs;
        OutputSize = units;
        var random = new Random(seed);
        Parameters = Enumerable.Range(0, units * inputs + units).Select(_ => random.NextDouble() - 0.5).ToArray();
    }

    public string Name => "dense";
    public int InputSize { get; }
    public int OutputSize { get; }
    public double[] Parameters { get; }

    /// <summary>W[j, k] in the flattened parameters.</summary>
    protected double W(int j, int k) => Parameters[j * InputSize + k];

    /// <summary>b[j] in the flattened parameters.</summary>
    protected double B(int j) => Parameters[OutputSize * InputSize + j];

    public double[] Forward(double[] x, int m)
    {
        var y = new double[m * OutputSize];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < OutputSize; j++)
            {
                double z = B(j);
                for (int k = 0; k < InputSize; k++)
                {
                    z += x[i * InputSize + k] * W(j, k);
                }
                y[i * OutputSize + j] = z;
            }
        }
        return y;
    }

    public virtual LayerGradients Backward(double[] x, int m, double[] outputGradient) =>
        throw new NotImplementedException("exercise 3: write the dense layer's backward rule");
}
