using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// One dense layer on its own as a scalar function of its weights, biases and input, at the point the network's
/// forward pass reached: s(W, b, x) = sum g * phi(x W^T + b), where g is the gradient dJ/da the layer received.
/// Its gradients are exactly what the layer's backward rule must return for that g (dJ/dW, dJ/db, dJ/dx), so
/// each rule can be checked by finite differences of this layer alone.
/// </summary>
internal sealed class LayerFunction
{
    private readonly DenseLayer _layer;
    private readonly int _m;
    private readonly double[] _upstream;
    private readonly double[] _z;
    private readonly double[] _a;

    public LayerFunction(DenseLayer layer, int m, double[] input, double[] upstream)
    {
        _layer = layer;
        _m = m;
        Input = input;
        Weights = (double[])layer.Weights.Clone();
        Biases = (double[])layer.Biases.Clone();
        _upstream = upstream;
        _z = new double[m * layer.OutputSize];
        _a = new double[m * layer.OutputSize];
    }

    public double[] Input { get; }
    public double[] Weights { get; }
    public double[] Biases { get; }

    /// <summary>s at the given weights, biases and input (any of them replaced), and each kinked unit's side of 0.</summary>
    public (double Value, sbyte[] Sides) Evaluate(double[]? weights = null, double[]? biases = null, double[]? input = null)
    {
        int units = _layer.OutputSize;
        Gemm.MultiplyTransposedB(input ?? Input, weights ?? Weights, _m, _layer.InputSize, units, _z);
        Gemm.AddRowVector(_z, biases ?? Biases, _m, units);
        _layer.Activation.Forward(_z, _a);
        double s = 0;
        for (int i = 0; i < _a.Length; i++)
        {
            s += _upstream[i] * _a[i];
        }
        sbyte zero = KinkSides.ZeroSide(_layer.Activation);
        sbyte[] sides = _layer.Activation.HasKink ? Array.ConvertAll(_z, z => KinkSides.Side(z, zero)) : [];
        return (s, sides);
    }
}
