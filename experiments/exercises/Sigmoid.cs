using Backprop.Core.Checking;

namespace Backprop.Lab.Exercises;

/// <summary>
/// Exercise 1: the sigmoid, y = 1 / (1 + e^-x), elementwise, no parameters.
/// Write <see cref="Backward"/>: given dL/dy, return dL/dx. Hint: sigma'(x) = sigma(x) (1 - sigma(x)).
/// </summary>
public class Sigmoid(int size) : IDifferentiableLayer
{
    public string Name => "sigmoid";
    public int InputSize => size;
    public int OutputSize => size;
    public double[] Parameters { get; } = [];

    public double[] Forward(double[] x, int m) => Array.ConvertAll(x, v => 1.0 / (1.0 + Math.Exp(-v)));

    public virtual LayerGradients Backward(double[] x, int m, double[] outputGradient) =>
        throw new NotImplementedException("exercise 1: write the sigmoid's backward rule");
}
