using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// One fully connected layer a = phi(z), z = x W^T + b, batch-major: x is m x in, z and a are m x out.
/// W is out x in, row-major, so W[j, k] is the seed's w_jk^[l]: the weight into unit j of this layer from
/// unit k of the layer below. After a backward pass the layer holds dJ/dW, dJ/db and its error
/// delta = dJ/dz (m x out), so gradient-flow measurements read them without recomputing.
/// </summary>
public sealed class DenseLayer
{
    private double[] _z = [];
    private double[] _a = [];
    private double[] _delta = [];
    private int _batch;

    public DenseLayer(int inputSize, int outputSize, Activation activation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        InputSize = inputSize;
        OutputSize = outputSize;
        Activation = activation ?? throw new ArgumentNullException(nameof(activation));
        Weights = new double[outputSize * inputSize];
        Biases = new double[outputSize];
        WeightGradient = new double[outputSize * inputSize];
        BiasGradient = new double[outputSize];
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public Activation Activation { get; }

    /// <summary>W, out x in, row-major.</summary>
    public double[] Weights { get; }

    /// <summary>b, length out.</summary>
    public double[] Biases { get; }

    /// <summary>dJ/dW from the last backward pass, out x in.</summary>
    public double[] WeightGradient { get; }

    /// <summary>dJ/db from the last backward pass.</summary>
    public double[] BiasGradient { get; }

    /// <summary>The batch size of the last forward pass.</summary>
    public int BatchSize => _batch;

    /// <summary>z = x W^T + b from the last forward pass, m x out.</summary>
    public ReadOnlySpan<double> PreActivation => _z.AsSpan(0, _batch * OutputSize);

    /// <summary>a = phi(z) from the last forward pass, m x out.</summary>
    public ReadOnlySpan<double> Output => _a.AsSpan(0, _batch * OutputSize);

    /// <summary>delta = dJ/dz from the last backward pass, m x out (per example, before the sum over the batch).</summary>
    public ReadOnlySpan<double> Delta => _delta.AsSpan(0, _batch * OutputSize);

    /// <summary>w_jk (0-based j, k).</summary>
    public double this[int j, int k]
    {
        get => Weights[j * InputSize + k];
        set => Weights[j * InputSize + k] = value;
    }

    /// <summary>Forward pass for a batch of m rows; returns a (owned by the layer, valid until the next call).</summary>
    public ReadOnlySpan<double> Forward(ReadOnlySpan<double> x, int m)
    {
        EnsureBatch(m);
        Span<double> z = _z.AsSpan(0, m * OutputSize);
        Span<double> a = _a.AsSpan(0, m * OutputSize);
        Gemm.MultiplyTransposedB(x, Weights, m, InputSize, OutputSize, z);
        Gemm.AddRowVector(z, Biases, m, OutputSize);
        Activation.Forward(z, a);
        return a;
    }

    /// <summary>
    /// Backward pass. Given dJ/da for this layer's output and the input x of the forward pass, computes
    /// delta = dJ/da * phi'(z), dJ/dW = delta^T x, dJ/db = sum over rows of delta, and writes
    /// dJ/dx = delta W into <paramref name="inputGradient"/> when it is not empty.
    /// </summary>
    public void Backward(ReadOnlySpan<double> outputGradient, ReadOnlySpan<double> x, Span<double> inputGradient)
    {
        int m = _batch;
        Span<double> delta = _delta.AsSpan(0, m * OutputSize);
        outputGradient[..(m * OutputSize)].CopyTo(delta);
        Activation.MultiplyByDerivative(PreActivation, Output, delta);
        Gemm.MultiplyTransposedA(delta, x, m, OutputSize, InputSize, WeightGradient);
        Gemm.SumRows(delta, m, OutputSize, BiasGradient);
        if (!inputGradient.IsEmpty)
        {
            Gemm.Multiply(delta, Weights, m, OutputSize, InputSize, inputGradient);
        }
    }

    private void EnsureBatch(int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        int size = m * OutputSize;
        if (_z.Length < size)
        {
            _z = new double[size];
            _a = new double[size];
            _delta = new double[size];
        }
        _batch = m;
    }
}
