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
    private double[] _normRow = [];

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
        _normRow = Rent(OutputSize);
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
        foreach (double[] array in (double[][])[NormGain, NormBias, NormGainGradient, NormBiasGradient, _normalized, _inverseStd, _normRow])
        {
            Give(array);
        }
        NormGain = NormBias = NormGainGradient = NormBiasGradient = _normalized = _inverseStd = _normRow = [];
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
        for (int i = 0; i < m; i++)
        {
            Span<double> zhat = _normalized.AsSpan(i * n, n);
            double mean = TensorPrimitives.Sum<double>(zhat) / n;
            TensorPrimitives.Subtract(zhat, mean, zhat);
            double variance = TensorPrimitives.SumOfSquares<double>(zhat) / n;
            double inverse = 1.0 / Math.Sqrt(variance + NormEpsilon);
            _inverseStd[i] = inverse;
            TensorPrimitives.Multiply(zhat, inverse, zhat);
            TensorPrimitives.FusedMultiplyAdd(zhat, NormGain, NormBias, _z.AsSpan(i * n, n));
        }
        Span<double> y = _z.AsSpan(0, m * n), a = _a.AsSpan(0, m * n);
        Activation.Forward(y, a, Activation.KeepsDerivative ? _derivative.AsSpan(0, m * n) : default);
        _derivativeKept = Activation.KeepsDerivative;
        return a;
    }

    /// <summary>delta holds dJ/dy; this sums dJ/dgamma and dJ/dbeta over the batch and turns delta into dJ/dz, row by row in place.</summary>
    private void NormBackward()
    {
        int m = _batch, n = OutputSize;
        Array.Clear(NormGainGradient);
        Array.Clear(NormBiasGradient);
        Span<double> dzhat = _normRow.AsSpan(0, n);
        for (int i = 0; i < m; i++)
        {
            Span<double> d = _delta.AsSpan(i * n, n);
            ReadOnlySpan<double> zhat = _normalized.AsSpan(i * n, n);
            TensorPrimitives.FusedMultiplyAdd(d, zhat, NormGainGradient, NormGainGradient);
            TensorPrimitives.Add(NormBiasGradient, d, NormBiasGradient);
            TensorPrimitives.Multiply(d, NormGain, dzhat);
            double meanD = TensorPrimitives.Sum<double>(dzhat) / n;
            double meanDZ = TensorPrimitives.Dot<double>(dzhat, zhat) / n;
            // d = (dzhat - meanD - zhat meanDZ) / s
            TensorPrimitives.FusedMultiplyAdd(zhat, -meanDZ, dzhat, d);
            TensorPrimitives.Subtract(d, meanD, d);
            TensorPrimitives.Multiply(d, _inverseStd[i], d);
        }
    }
}
