using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// One dense layer on its own as a scalar function of its weights, biases, norm gain and bias and input, at the point
/// the network's forward pass reached: s(W, b, gamma, beta, x) = sum g * phi(y), y = LN(x W^T + b) with a norm (else
/// y = z), where g is the gradient dJ/da the layer received. Its gradients are exactly what the layer's backward rule
/// must return for that g (dJ/dW, dJ/db, dJ/dgamma, dJ/dbeta, dJ/dx), so each rule can be checked by finite
/// differences of this layer alone.
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
        Gain = (double[])layer.NormGain.Clone();
        Shift = (double[])layer.NormBias.Clone();
        _upstream = upstream;
        _z = new double[m * layer.OutputSize];
        _a = new double[m * layer.OutputSize];
    }

    public double[] Input { get; }
    public double[] Weights { get; }
    public double[] Biases { get; }

    /// <summary>gamma (empty without a norm).</summary>
    public double[] Gain { get; }

    /// <summary>beta (empty without a norm).</summary>
    public double[] Shift { get; }

    /// <summary>z = x W^T + b at the layer's own values (the norm's input), m x units.</summary>
    public double[] PreNorm()
    {
        var z = new double[_z.Length];
        Linear(Input, Weights, Biases, z);
        return z;
    }

    /// <summary>s at the given values (any of them replaced), and each kinked unit's side of 0.</summary>
    public (double Value, sbyte[] Sides) Evaluate(double[]? weights = null, double[]? biases = null, double[]? input = null, double[]? gain = null, double[]? shift = null)
    {
        Linear(input ?? Input, weights ?? Weights, biases ?? Biases, _z);
        if (_layer.Norm != Normalization.None)
        {
            Normalize(_z, gain ?? Gain, shift ?? Shift, _m, _layer.OutputSize);
        }
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

    /// <summary>The norm alone, weighted by the dJ/dy it received: sum dy * (gamma zhat(z) + beta), whose gradient in z is the norm's dJ/dz.</summary>
    public double NormScalar(double[] z, double[] dy)
    {
        var y = (double[])z.Clone();
        Normalize(y, Gain, Shift, _m, _layer.OutputSize);
        double s = 0;
        for (int i = 0; i < y.Length; i++)
        {
            s += dy[i] * y[i];
        }
        return s;
    }

    /// <summary>In place, row by row: y = gamma (z - mu) / sqrt(var + eps) + beta, as <see cref="ReferenceBackward"/> writes it.</summary>
    public static void Normalize(double[] z, double[] gain, double[] shift, int m, int n)
    {
        for (int i = 0; i < m; i++)
        {
            Span<double> row = z.AsSpan(i * n, n);
            double mean = 0;
            foreach (double v in row)
            {
                mean += v;
            }
            mean /= n;
            double variance = 0;
            foreach (double v in row)
            {
                variance += (v - mean) * (v - mean);
            }
            double s = Math.Sqrt(variance / n + DenseLayer.NormEpsilon);
            for (int j = 0; j < n; j++)
            {
                row[j] = gain[j] * ((row[j] - mean) / s) + shift[j];
            }
        }
    }

    private void Linear(double[] x, double[] w, double[] b, double[] z)
    {
        Gemm.MultiplyTransposedB(x, w, _m, _layer.InputSize, _layer.OutputSize, z);
        Gemm.AddRowVector(z, b, _m, _layer.OutputSize);
    }
}
