using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>The architecture of one layer: its width, activation and normalisation.</summary>
public sealed record LayerSpec(int Units, Activation Activation, Normalization Norm = Normalization.None);

/// <summary>
/// A multilayer perceptron of any depth >= 1, float64, batch-major, optionally with residual blocks (identity skips
/// around runs of layers, see Mlp.Residual.cs) and normalised layers. Layer l (1-based in names, as in the worked
/// example's w_jk^[l]) is <c>Layers[l - 1]</c>. Buffers are owned by the layers and reused across steps.
/// ReferenceBackward.cs computes the same gradients with plain loops, as a reader would write them.
/// </summary>
public sealed partial class Mlp
{
    private readonly DenseLayer[] _layers;
    private double[] _input = [];
    private double[] _outputGradient = [];
    private double[][] _activationGradients = [];
    private double[] _inputGradient = [];
    private int _batch;
    private int _kernelThreads = 1;
    private readonly BufferPool? _pool;
    private GemmWorkspace? _workspace;
    private bool _returned;

    public Mlp(int inputSize, IReadOnlyList<LayerSpec> layers)
        : this(inputSize, layers, null)
    {
    }

    /// <summary>A network with residual <paramref name="blocks"/> (see <see cref="Architecture.Apply"/>).</summary>
    public Mlp(int inputSize, IReadOnlyList<LayerSpec> layers, IReadOnlyList<ResidualBlock> blocks, BufferPool? pool = null)
        : this(inputSize, layers, pool)
    {
        SetBlocks(blocks);
    }

    /// <summary>
    /// A network whose weights, gradients and buffers come from <paramref name="pool"/> (when not null), to be given back
    /// with <see cref="ReturnBuffers"/> once it is done with: for networks that live one trial each.
    /// </summary>
    public Mlp(int inputSize, IReadOnlyList<LayerSpec> layers, BufferPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("a network needs at least one layer", nameof(layers));
        }
        InputSize = inputSize;
        _pool = pool;
        _layers = new DenseLayer[layers.Count];
        int fanIn = inputSize;
        for (int l = 0; l < layers.Count; l++)
        {
            _layers[l] = new DenseLayer(fanIn, layers[l].Units, layers[l].Activation, layers[l].Norm, pool);
            fanIn = layers[l].Units;
        }
        // The layers run one after another, so one packing workspace serves them all.
        _workspace = pool?.RentWorkspace() ?? new GemmWorkspace();
        GemmWorkspace workspace = _workspace;
        foreach (DenseLayer layer in _layers)
        {
            layer.Workspace = workspace;
        }
    }

    /// <summary>A network of <paramref name="depth"/> layers of equal width and activation.</summary>
    public static Mlp Uniform(int inputSize, int width, int depth, Activation activation, int? outputSize = null, Activation? outputActivation = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        var specs = new LayerSpec[depth];
        for (int l = 0; l < depth; l++)
        {
            specs[l] = new LayerSpec(width, activation);
        }
        specs[^1] = new LayerSpec(outputSize ?? width, outputActivation ?? activation);
        return new Mlp(inputSize, specs);
    }

    public int InputSize { get; }
    public int OutputSize => _layers[^1].OutputSize;
    public int Depth => _layers.Length;
    public IReadOnlyList<DenseLayer> Layers => _layers;

    /// <summary>Total number of weights, biases and norm gains and biases.</summary>
    public int ParameterCount => _layers.Sum(l => l.Weights.Length + l.Biases.Length + l.NormGain.Length + l.NormBias.Length);

    /// <summary>The batch size of the last forward pass.</summary>
    public int BatchSize => _batch;

    /// <summary>
    /// Threads the matrix products may use (1, the default, for none; at most the processor count). Products too small
    /// to gain stay on one thread. Each element of every product is computed by one thread in a fixed order, so the
    /// gradients are bit-identical whatever this is; leave it at 1 where trials already run one per core.
    /// </summary>
    public int KernelThreads
    {
        get => _kernelThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _kernelThreads = Math.Min(value, Environment.ProcessorCount);
            foreach (DenseLayer layer in _layers)
            {
                layer.KernelThreads = _kernelThreads;
            }
        }
    }

    /// <summary>dJ/dx from the last backward pass, m x inputs.</summary>
    public ReadOnlySpan<double> InputGradient => _inputGradient.AsSpan(0, _batch * InputSize);

    /// <summary>dJ/d(output) from the last call to <see cref="ComputeGradients"/>, m x outputs.</summary>
    public ReadOnlySpan<double> OutputGradient => _outputGradient.AsSpan(0, _batch * OutputSize);

    /// <summary>
    /// dJ/da_l for layer index <paramref name="layer"/> (0-based) from the last call to <see cref="ComputeGradients"/>:
    /// the gradient the layer above passed down (for the last layer, <see cref="OutputGradient"/>), m x units. For the
    /// last layer of a residual block a_l is the block's output (what the layer above reads, <see cref="OutputOf"/>).
    /// The gradient checker reads it to check each layer's backward rule on its own.
    /// </summary>
    public ReadOnlySpan<double> ActivationGradient(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        return layer == _layers.Length - 1 ? OutputGradient : _activationGradients[layer].AsSpan(0, _batch * _layers[layer].OutputSize);
    }

    /// <summary>Forward pass of m rows (x is m x inputs); returns the output, m x outputs, owned by the network.</summary>
    public ReadOnlySpan<double> Forward(ReadOnlySpan<double> x, int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        if (x.Length != m * InputSize)
        {
            throw new ArgumentException($"input has {x.Length} values; {m} rows of {InputSize} need {m * InputSize}", nameof(x));
        }
        ObjectDisposedException.ThrowIf(_returned, this);
        EnsureBatch(m);
        x.CopyTo(_input);
        ReadOnlySpan<double> h = _input.AsSpan(0, m * InputSize);
        for (int l = 0; l < _layers.Length; l++)
        {
            ReadOnlySpan<double> a = _layers[l].Forward(h, m);
            h = _blockEndingAt.Length == 0 || _blockEndingAt[l] is not ResidualStream block ? a : block.Forward(BlockInput(block), a, m);
        }
        return h;
    }

    /// <summary>
    /// Backward pass after <see cref="Forward"/>: from dJ/d(output) computes every layer's delta, dJ/dW, dJ/db
    /// and dJ/dx (see <see cref="InputGradient"/>). Gradients are overwritten, not accumulated across calls.
    /// </summary>
    public void Backward(ReadOnlySpan<double> outputGradient) => BackwardFrom(_layers.Length - 1, outputGradient);

    /// <summary>
    /// The backward pass from the output of layer index <paramref name="layer"/> (0-based) down, after
    /// <see cref="Forward"/>: <paramref name="gradient"/> is dJ/d(that output), m x its units, and the layers above are
    /// left alone. With the last layer this is <see cref="Backward"/>; from a hidden layer, with rows of the identity as
    /// the gradient, <see cref="ActivationGradient"/> and <see cref="InputGradient"/> are rows of the Jacobian of that
    /// layer's output with respect to a layer below it (the Jacobian spectrum of a trial is measured so).
    /// </summary>
    public void BackwardFrom(int layer, ReadOnlySpan<double> gradient)
    {
        ObjectDisposedException.ThrowIf(_returned, this);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        int m = _batch;
        if (m == 0)
        {
            throw new InvalidOperationException("Backward needs a Forward pass first.");
        }
        if (gradient.Length != m * _layers[layer].OutputSize)
        {
            throw new ArgumentException($"the gradient has {gradient.Length} values; expected {m * _layers[layer].OutputSize}", nameof(gradient));
        }
        if (_blocks.Length == 0)
        {
            _layers[layer].SetDelta(gradient);
            for (int l = layer; l >= 0; l--)
            {
                // dJ/da of the layer below is kept (ActivationGradient); its delta is computed as that product finishes.
                ReadOnlySpan<double> x = l == 0 ? _input.AsSpan(0, m * InputSize) : _layers[l - 1].Output;
                Span<double> dx = l == 0 ? _inputGradient.AsSpan(0, m * InputSize) : _activationGradients[l - 1].AsSpan(0, m * _layers[l - 1].OutputSize);
                _layers[l].BackwardFromDelta(x, dx, l == 0 ? null : _layers[l - 1]);
            }
            return;
        }
        BackwardWithBlocks(layer, gradient);
    }

    /// <summary>Forward, loss and backward for one batch; returns J. x is m x inputs, targets m x outputs.</summary>
    public double ComputeGradients(ReadOnlySpan<double> x, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (targets.Length != m * OutputSize)
        {
            throw new ArgumentException($"targets have {targets.Length} values; {m} rows of {OutputSize} need {m * OutputSize}", nameof(targets));
        }
        ReadOnlySpan<double> output = Forward(x, m);
        Span<double> g = _outputGradient.AsSpan(0, m * OutputSize);
        double j = loss.Compute(output, targets, m, OutputSize, g);
        Backward(g);
        return j;
    }

    /// <summary>J for a batch without touching gradients (for finite differences and evaluation).</summary>
    public double ComputeLoss(ReadOnlySpan<double> x, ReadOnlySpan<double> targets, int m, Loss loss)
    {
        ReadOnlySpan<double> output = Forward(x, m);
        Span<double> g = _outputGradient.AsSpan(0, m * OutputSize);
        return loss.Compute(output, targets, m, OutputSize, g);
    }

    /// <summary>A deep copy: same architecture, weights and biases; fresh buffers.</summary>
    public Mlp Clone()
    {
        var copy = new Mlp(InputSize, Specs, Blocks) { KernelThreads = _kernelThreads };
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l].Weights.CopyTo(copy._layers[l].Weights, 0);
            _layers[l].Biases.CopyTo(copy._layers[l].Biases, 0);
            _layers[l].NormGain.CopyTo(copy._layers[l].NormGain, 0);
            _layers[l].NormBias.CopyTo(copy._layers[l].NormBias, 0);
        }
        return copy;
    }

    /// <summary>
    /// Gives the network's arrays back to the pool it was built with (without one, lets them go) and leaves it unusable:
    /// later passes throw <see cref="ObjectDisposedException"/>, and its layers have no parameters. Call it once, when
    /// nothing will read the network again.
    /// </summary>
    public void ReturnBuffers()
    {
        if (_returned)
        {
            return;
        }
        _returned = true;
        GiveBatchBuffers();
        GiveGradientSums();
        _input = _inputGradient = _outputGradient = [];
        _activationGradients = [];
        _batch = 0;
        foreach (DenseLayer layer in _layers)
        {
            layer.ReturnBuffers();
        }
        foreach (ResidualStream block in _blocks)
        {
            block.ReturnBuffers();
        }
        if (_workspace is not null)
        {
            _pool?.ReturnWorkspace(_workspace);
            _workspace = null;
        }
    }

    private void EnsureBatch(int m)
    {
        if (_input.Length < m * InputSize)
        {
            // The new arrays first, then the old ones back: if renting throws (out of memory), the network still owns
            // every array it refers to, and none is in the pool twice.
            double[] input = Rent(m * InputSize), inputGradient = Rent(m * InputSize), outputGradient = Rent(m * OutputSize);
            var activationGradients = new double[_layers.Length][];
            for (int l = 0; l < _layers.Length; l++)
            {
                activationGradients[l] = Rent(m * _layers[l].OutputSize);
            }
            GiveBatchBuffers();
            (_input, _inputGradient, _outputGradient, _activationGradients) = (input, inputGradient, outputGradient, activationGradients);
            foreach (ResidualStream block in _blocks)
            {
                block.EnsureBatch(m);
            }
        }
        _batch = m;
    }

    private void GiveBatchBuffers()
    {
        if (_pool is null)
        {
            return;
        }
        _pool.Return(_input);
        _pool.Return(_inputGradient);
        _pool.Return(_outputGradient);
        foreach (double[] gradient in _activationGradients)
        {
            _pool.Return(gradient);
        }
    }

    private double[] Rent(int length) => _pool?.Rent(length) ?? new double[length];
}
