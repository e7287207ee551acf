using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// One fully connected layer a = phi(z), z = x W^T + b, batch-major: x is m x in, z and a are m x out.
/// W is out x in, row-major, so W[j, k] is the worked example's w_jk^[l]: the weight into unit j of this layer from
/// unit k of the layer below. After a backward pass the layer holds dJ/dW, dJ/db and its error
/// delta = dJ/dz (m x out), so gradient-flow measurements read them without recomputing.
/// The three products run on <see cref="PackedGemm"/> with the bias and activation fused into the forward product;
/// <see cref="Mlp"/> also fuses the derivative of the layer below into this layer's input-gradient product. For the
/// smooth activations the forward pass also keeps phi'(z), which shares its work with phi (one more m x out array).
/// With a <see cref="Normalization"/> the layer normalises z before the activation (DenseLayer.Norm.cs).
/// </summary>
public sealed unsafe partial class DenseLayer
{
    private readonly ActivationEpilogue _activationEpilogue;
    private readonly DerivativeEpilogue _derivativeEpilogue;
    private GemmWorkspace? _workspace;
    private double[] _z = [];
    private double[] _a = [];
    private double[] _delta = [];
    private double[] _derivative = [];
    private bool _derivativeKept;
    private int _batch;
    private readonly BufferPool? _pool;
    private bool _returned;

    public DenseLayer(int inputSize, int outputSize, Activation activation, Normalization norm = Normalization.None)
        : this(inputSize, outputSize, activation, norm, null)
    {
    }

    /// <summary>A layer whose arrays come from <paramref name="pool"/> (see <see cref="Mlp.ReturnBuffers"/>).</summary>
    internal DenseLayer(int inputSize, int outputSize, Activation activation, Normalization norm, BufferPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        InputSize = inputSize;
        OutputSize = outputSize;
        Activation = activation ?? throw new ArgumentNullException(nameof(activation));
        _pool = pool;
        Weights = Rent(outputSize * inputSize);
        Biases = Rent(outputSize);
        WeightGradient = Rent(outputSize * inputSize);
        BiasGradient = Rent(outputSize);
        _activationEpilogue = new ActivationEpilogue(activation);
        _derivativeEpilogue = new DerivativeEpilogue(activation);
        Norm = norm;
        RentNormParameters();
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public Activation Activation { get; }

    /// <summary>W, out x in, row-major.</summary>
    public double[] Weights { get; private set; }

    /// <summary>b, length out.</summary>
    public double[] Biases { get; private set; }

    /// <summary>dJ/dW from the last backward pass, out x in.</summary>
    public double[] WeightGradient { get; private set; }

    /// <summary>dJ/db from the last backward pass.</summary>
    public double[] BiasGradient { get; private set; }

    /// <summary>The batch size of the last forward pass.</summary>
    public int BatchSize => _batch;

    /// <summary>The input of the activation from the last forward pass, m x out: z = x W^T + b, or with a norm y = gamma zhat + beta.</summary>
    public ReadOnlySpan<double> PreActivation => _z.AsSpan(0, _batch * OutputSize);

    /// <summary>a = phi(z) from the last forward pass, m x out.</summary>
    public ReadOnlySpan<double> Output => _a.AsSpan(0, _batch * OutputSize);

    /// <summary>delta = dJ/dz (z = x W^T + b) from the last backward pass, m x out (per example, before the sum over the batch).</summary>
    public ReadOnlySpan<double> Delta => _delta.AsSpan(0, _batch * OutputSize);

    /// <summary>Packing scratch for the products: the layer's own unless a network shares one among its layers.</summary>
    internal GemmWorkspace Workspace
    {
        get => _workspace ??= new GemmWorkspace();
        set => _workspace = value;
    }

    /// <summary>Threads the products may use when they are large enough (results do not depend on it).</summary>
    internal int KernelThreads { get; set; } = 1;

    /// <summary>w_jk (0-based j, k).</summary>
    public double this[int j, int k]
    {
        get => Weights[j * InputSize + k];
        set => Weights[j * InputSize + k] = value;
    }

    /// <summary>Forward pass for a batch of m rows; returns a (owned by the layer, valid until the next call).</summary>
    public ReadOnlySpan<double> Forward(ReadOnlySpan<double> x, int m)
    {
        ObjectDisposedException.ThrowIf(_returned, this); // its arrays are in a pool: the product would read nothing
        EnsureBatch(m);
        CheckLength(x, m * InputSize, nameof(x));
        if (Norm != Normalization.None)
        {
            return ForwardNormalized(x, m);
        }
        fixed (double* px = x, pw = Weights, pb = Biases, pz = _z, pa = _a, pd = _derivative)
        {
            // z = x W^T + b: A = x (m x in, row-major), B = W^T (W row j is column j of B: row stride 1, column stride in).
            var product = new GemmOperands(px, InputSize, 1, pw, 1, InputSize, pz, OutputSize, m, OutputSize, InputSize, pb);
            _activationEpilogue.Set(pz, pa, Activation.KeepsDerivative ? pd : null, OutputSize);
            try
            {
                PackedGemm.Multiply(product, Workspace, KernelThreads, _activationEpilogue);
            }
            finally
            {
                _activationEpilogue.Clear();
            }
        }
        _derivativeKept = Activation.KeepsDerivative;
        return _a.AsSpan(0, m * OutputSize);
    }

    /// <summary>
    /// Backward pass. Given dJ/da for this layer's output and the input x of the forward pass, computes
    /// delta = dJ/da * phi'(z), dJ/dW = delta^T x, dJ/db = sum over rows of delta, and writes
    /// dJ/dx = delta W into <paramref name="inputGradient"/> when it is not empty.
    /// </summary>
    public void Backward(ReadOnlySpan<double> outputGradient, ReadOnlySpan<double> x, Span<double> inputGradient)
    {
        ObjectDisposedException.ThrowIf(_returned, this);
        SetDelta(outputGradient);
        BackwardFromDelta(x, inputGradient, null);
    }

    /// <summary>delta = dJ/da * phi'(z) from the gradient of this layer's output.</summary>
    internal void SetDelta(ReadOnlySpan<double> outputGradient)
    {
        int size = _batch * OutputSize;
        CheckLength(outputGradient, size, nameof(outputGradient));
        if (!_derivativeKept)
        {
            Activation.MultiplyByDerivative(PreActivation, Output, outputGradient[..size], _delta.AsSpan(0, size));
        }
        else
        {
            Span<double> kept = _derivative.AsSpan(0, size);
            Activation.MultiplyByKeptDerivative(PreActivation, kept, outputGradient[..size], kept);
            TakeKeptAsDelta();
        }
        if (Norm != Normalization.None)
        {
            NormBackward();
        }
    }

    /// <summary>
    /// The kept phi' has become delta in place (delta = g phi' overwrites it): its array is now the delta, and the old
    /// delta's array takes the next forward pass's phi'. Writing delta over the phi' it reads, the backward pass
    /// streams one array fewer than with phi' and delta apart, which large networks feel. A second backward pass
    /// after one forward pass finds nothing kept and takes phi' from z, with the same bits.
    /// </summary>
    private void TakeKeptAsDelta()
    {
        (_delta, _derivative) = (_derivative, _delta);
        _derivativeKept = false;
    }

    /// <summary>
    /// The backward pass after delta is set: dJ/dW, dJ/db and dJ/dx; when <paramref name="below"/> is given (the
    /// layer whose output x is), its delta = dJ/dx * phi'(z) is computed block by block as dJ/dx is finished.
    /// </summary>
    internal void BackwardFromDelta(ReadOnlySpan<double> x, Span<double> inputGradient, DenseLayer? below)
    {
        int m = _batch;
        int n = OutputSize, k = InputSize;
        CheckLength(x, m * k, nameof(x));
        Span<double> delta = _delta.AsSpan(0, m * n);
        fixed (double* px = x, pd = delta, pw = Weights, pgw = WeightGradient, pdx = inputGradient)
        {
            // dJ/dW = delta^T x: A = delta^T (row j of A is column j of delta: row stride 1, column stride out).
            var weightProduct = new GemmOperands(pd, 1, n, px, k, 1, pgw, k, n, k, m);
            PackedGemm.Multiply(weightProduct, Workspace, KernelThreads);
            Gemm.SumRows(delta, m, n, BiasGradient);
            if (inputGradient.IsEmpty)
            {
                return;
            }
            CheckLength(inputGradient, m * k, nameof(inputGradient));
            // dJ/dx = delta W: both row-major.
            var inputProduct = new GemmOperands(pd, n, 1, pw, k, 1, pdx, k, m, k, n);
            if (below is null)
            {
                PackedGemm.Multiply(inputProduct, Workspace, KernelThreads);
                return;
            }
            below.MultiplyByDerivativeAfter(inputProduct, pdx, this);
        }
    }

    /// <summary>Runs the layer above's input-gradient product with this layer's delta = dJ/da phi'(z) fused into it.</summary>
    private void MultiplyByDerivativeAfter(in GemmOperands inputProduct, double* gradient, DenseLayer above)
    {
        if (_batch != above._batch || OutputSize != above.InputSize)
        {
            throw new InvalidOperationException("the layer below does not match the layer above's input");
        }
        bool kept = _derivativeKept;
        fixed (double* pz = _z, pk = _derivative, pd = _delta)
        {
            // With phi' kept, delta = g phi' is written over it (see TakeKeptAsDelta); otherwise phi' comes from z.
            _derivativeEpilogue.Set(pz, kept ? pk : null, gradient, kept ? pk : pd, OutputSize);
            try
            {
                PackedGemm.Multiply(inputProduct, above.Workspace, above.KernelThreads, _derivativeEpilogue);
            }
            finally
            {
                _derivativeEpilogue.Clear();
            }
        }
        if (kept)
        {
            TakeKeptAsDelta();
        }
        if (Norm != Normalization.None)
        {
            NormBackward();
        }
    }

    private static void CheckLength(ReadOnlySpan<double> span, int expected, string name)
    {
        if (span.Length < expected)
        {
            throw new ArgumentException($"{name} has {span.Length} elements; the shape needs {expected}.", name);
        }
    }

    private void EnsureBatch(int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        int size = m * OutputSize;
        if (_z.Length < size)
        {
            // The new arrays first: if renting throws (out of memory), the layer still owns the old ones and nothing
            // it refers to has gone back to the pool, where another network could rent it.
            double[] z = Rent(size), a = Rent(size), delta = Rent(size), derivative = Activation.KeepsDerivative ? Rent(size) : [];
            (double[] oldZ, double[] oldA, double[] oldDelta, double[] oldDerivative) = (_z, _a, _delta, _derivative);
            (_z, _a, _delta, _derivative) = (z, a, delta, derivative);
            Give(oldZ);
            Give(oldA);
            Give(oldDelta);
            Give(oldDerivative);
            EnsureNormBatch(m);
        }
        _batch = m;
    }

    /// <summary>Gives every array back to the pool (with none, drops them); the layer is left with no parameters.</summary>
    internal void ReturnBuffers()
    {
        _returned = true;
        foreach (double[] array in (double[][])[Weights, Biases, WeightGradient, BiasGradient, _z, _a, _delta, _derivative])
        {
            Give(array);
        }
        Weights = Biases = WeightGradient = BiasGradient = _z = _a = _delta = _derivative = [];
        ReturnNormBuffers();
        _derivativeKept = false;
        _batch = 0;
        _workspace = null;
    }

    private double[] Rent(int length) => _pool?.Rent(length) ?? new double[length];

    private void Give(double[] array) => _pool?.Return(array);
}
