using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises;

/// <summary>
/// Exercise 2: softmax cross-entropy per example, L_i = -sum_c y_ic log softmax(x_i)_c, for logits x (m x classes)
/// and one-hot targets y: one output per example. Write <see cref="Backward"/>: given dL/dL_i (m values), return
/// dL/dx. Hint: d L_i / d x_ic = softmax(x_i)_c - y_ic when y_i sums to 1.
/// </summary>
public class SoftmaxCrossEntropy(int classes, double[] targets) : IDifferentiableLayer
{
    public string Name => "softmax cross-entropy";
    public int InputSize => classes;
    public int OutputSize => 1;
    public double[] Parameters { get; } = [];
    protected double[] Targets => targets;

    public double[] Forward(double[] x, int m)
    {
        var loss = new double[m];
        for (int i = 0; i < m; i++)
        {
            double[] p = Softmax(x, i, classes);
            for (int c = 0; c < classes; c++)
            {
                loss[i] -= targets[i * classes + c] * Math.Log(p[c]);
            }
        }
        return loss;
    }

    /// <summary>softmax of row i, with the row maximum subtracted so large logits do not overflow.</summary>
    protected static double[] Softmax(double[] x, int i, int classes)
    {
        double max = x.Skip(i * classes).Take(classes).Max();
        double[] e = x.Skip(i * classes).Take(classes).Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return Array.ConvertAll(e, v => v / sum);
    }

    public virtual LayerGradients Backward(double[] x, int m, double[] outputGradient) =>
        throw new NotImplementedException("exercise 2: write softmax cross-entropy's backward rule");
}
