using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// Layer normalisation of z before the activation: per example (row), over the layer's units,
/// zhat = (z - mu) / s with s = sqrt(var + eps), y = gamma zhat + beta, a = phi(y). The backward pass turns
/// dJ/dy = dJ/da phi'(y) into dJ/dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s with dzhat = gamma dJ/dy,
/// the two means being the gradient of mu and of s (a row's zhat has mean 0 and mean square near 1, so moving z along
/// either direction changes nothing after the norm). delta stays dJ/dz, so dJ/dW, dJ/db and dJ/dx are formed as without a norm.
/// </summary>
public sealed unsafe partial class DenseLayer
{
    /// <summary>eps in s = sqrt(var + eps): PyTorch's LayerNorm default, so the two compute the same function.</summary>
    public const double NormEpsilon = 1e-5;

    private double[] _normalized = [];
    private double[] _inverseStd = [];

    public Normalization Norm { get; }

    /// <summary>gamma, one per unit (empty without a norm); starts at 1.</summary>
    public double[] NormGain { get; private set; } = [];

    /// <summary>beta, one per unit (empty without a norm); starts at 0.</summary>
    public double[] NormBias { get; private set; } = [];

    /// <summary>dJ/dgamma from the last backward pass.</summary>
    public double[] NormGainGradient { get; private set; } = [];

    /// <summary>dJ/dbeta from the last backward pass.</summary>
    public double[] NormBiasGradient { get; private set; } = [];

    /// <summary>zhat from the last forward pass, m x out (empty without a norm).</summary>
    public ReadOnlySpan<double> Normalized => Norm == Normalization.None ? [] : _normalized.AsSpan(0, _batch * OutputSize);

    /// <summary>1 / s per example from the last forward pass (empty without a norm).</summary>
    public ReadOnlySpan<double> InverseStd => Norm == Normalization.None ? [] : _inverseStd.AsSpan(0, _batch);

    private void RentNormParameters()
    {
        if (Norm == Normalization.None)
        {
            return;
        }
        NormGain = Rent(OutputSize);
        NormGain.AsSpan().Fill(1.0);
        NormBias = Rent(OutputSize);
        NormGainGradient = Rent(OutputSize);
        NormBiasGradient = Rent(OutputSize);
    }

    private void EnsureNormBatch(int m)
    {
        if (Norm == Normalization.None)
        {
            return;
        }
        double[] normalized = Rent(m * OutputSize), inverseStd = Rent(m);
        Give(_normalized);
        Give(_inverseStd);
        (_normalized, _inverseStd) = (normalized, inverseStd);
    }

    private void ReturnNormBuffers()
    {
        foreach (double[] array in (double[][])[NormGain, NormBias, NormGainGradient, NormBiasGradient, _normalized, _inverseStd])
        {
            Give(array);
        }
        NormGain = NormBias = NormGainGradient = NormBiasGradient = _normalized = _inverseStd = [];
    }

    /// <summary>z = x W^T + b into zhat's array, then the norm row by row, then a = phi(y) (phi' kept for the smooth ones).</summary>
    private ReadOnlySpan<double> ForwardNormalized(ReadOnlySpan<double> x, int m)
    {
        int n = OutputSize;
        fixed (double* px = x, pw = Weights, pb = Biases, pzhat = _normalized)
        {
            var product = new GemmOperands(px, InputSize, 1, pw, 1, InputSize, pzhat, n, m, n, InputSize, pb);
            PackedGemm.Multiply(product, Workspace, KernelThreads);
        }
        bool keep = Activation.KeepsDerivative;
        for (int i = 0; i < m; i++)
        {
            // Row by row, phi while the row is still in the first-level cache.
            Span<double> y = _z.AsSpan(i * n, n);
            _inverseStd[i] = NormalizeRow(_normalized.AsSpan(i * n, n), NormGain, NormBias, y);
            Activation.Forward(y, _a.AsSpan(i * n, n), keep ? _derivative.AsSpan(i * n, n) : default);
        }
        _derivativeKept = keep;
        return _a.AsSpan(0, m * n);
    }

    /// <summary>delta holds dJ/dy; this sums dJ/dgamma and dJ/dbeta over the batch and turns delta into dJ/dz, row by row in place.</summary>
    private void NormBackward()
    {
        int m = _batch, n = OutputSize;
        Array.Clear(NormGainGradient);
        Array.Clear(NormBiasGradient);
        for (int i = 0; i < m; i++)
        {
            NormBackwardRow(_delta.AsSpan(i * n, n), _normalized.AsSpan(i * n, n), _inverseStd[i], NormGain, NormGainGradient, NormBiasGradient);
        }
    }

    /// <summary>
    /// One row, z in <paramref name="zhat"/> on entry: zhat = (z - mu) / s written over it, y = gamma zhat + beta into
    /// <paramref name="y"/>; returns 1/s. Three passes over the row (the sum, the sum of squares about the mean, the
    /// writes) where one call per operation would make five.
    /// </summary>
    private static double NormalizeRow(Span<double> zhat, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, Span<double> y)
    {
        int n = zhat.Length;
        double mean = TensorPrimitives.Sum<double>(zhat) / n;
        var vmean = new Vector<double>(mean);
        var squares = Vector<double>.Zero;
        int j = 0;
        for (; j <= n - Vector<double>.Count; j += Vector<double>.Count)
        {
            Vector<double> d = new Vector<double>(zhat[j..]) - vmean;
            squares += d * d;
        }
        double variance = Vector.Sum(squares);
        for (; j < n; j++)
        {
            variance += (zhat[j] - mean) * (zhat[j] - mean);
        }
        double inverse = 1.0 / Math.Sqrt(variance / n + NormEpsilon);
        var vinverse = new Vector<double>(inverse);
        j = 0;
        for (; j <= n - Vector<double>.Count; j += Vector<double>.Count)
        {
            Vector<double> h = (new Vector<double>(zhat[j..]) - vmean) * vinverse;
            h.CopyTo(zhat[j..]);
            (new Vector<double>(gamma[j..]) * h + new Vector<double>(beta[j..])).CopyTo(y[j..]);
        }
        for (; j < n; j++)
        {
            zhat[j] = (zhat[j] - mean) * inverse;
            y[j] = gamma[j] * zhat[j] + beta[j];
        }
        return inverse;
    }

    /// <summary>
    /// One row of the norm's backward pass in two passes: the first adds dy zhat to dJ/dgamma and dy to dJ/dbeta and forms
    /// the two means of dzhat = gamma dy; the second writes dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s over dy.
    /// </summary>
    private static void NormBackwardRow(Span<double> d, ReadOnlySpan<double> zhat, double inverse, ReadOnlySpan<double> gamma,
        Span<double> gainGradient, Span<double> biasGradient)
    {
        int n = d.Length, width = Vector<double>.Count;
        Vector<double> sum = Vector<double>.Zero, dot = Vector<double>.Zero;
        int j = 0;
        for (; j <= n - width; j += width)
        {
            Vector<double> dy = new(d[j..]), h = new(zhat[j..]);
            (new Vector<double>(gainGradient[j..]) + dy * h).CopyTo(gainGradient[j..]);
            (new Vector<double>(biasGradient[j..]) + dy).CopyTo(biasGradient[j..]);
            Vector<double> dh = dy * new Vector<double>(gamma[j..]);
            sum += dh;
            dot += dh * h;
        }
        double meanD = Vector.Sum(sum), meanDZ = Vector.Sum(dot);
        for (int k = j; k < n; k++)
        {
            gainGradient[k] += d[k] * zhat[k];
            biasGradient[k] += d[k];
            double dh = d[k] * gamma[k];
            meanD += dh;
            meanDZ += dh * zhat[k];
        }
        (meanD, meanDZ) = (meanD / n, meanDZ / n);
        Vector<double> vmeanD = new(meanD), vmeanDZ = new(meanDZ), vinverse = new(inverse);
        j = 0;
        for (; j <= n - width; j += width)
        {
            Vector<double> dh = new Vector<double>(d[j..]) * new Vector<double>(gamma[j..]);
            ((dh - vmeanD - new Vector<double>(zhat[j..]) * vmeanDZ) * vinverse).CopyTo(d[j..]);
        }
        for (; j < n; j++)
        {
            d[j] = (d[j] * gamma[j] - meanD - zhat[j] * meanDZ) * inverse;
        }
    }
}
