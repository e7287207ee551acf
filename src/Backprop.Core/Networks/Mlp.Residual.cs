using System.Numerics.Tensors;

namespace Backprop.Core.Networks;

/// <summary>
/// Residual blocks. A block's output is its input x_b plus alpha times its last layer's output (pre form), or phi of
/// that sum (post form). Backward, the gradient g of the block's output splits at the sum: the skip carries it to
/// x_b unchanged (g, or g phi'(u) in the post form) and the branch gets alpha times the same; at x_b the two are
/// added, because two paths from the cost meet there. That added path is why gradients survive depth in a residual
/// network: dJ/dx_b = g (I + alpha J_branch) can shrink only as far as the branch cancels the identity.
/// </summary>
public sealed partial class Mlp
{
    private ResidualStream[] _blocks = [];
    private ResidualStream?[] _blockEndingAt = [];
    private ResidualStream?[] _blockStartingAt = [];

    /// <summary>The residual blocks, in order (none for a plain network).</summary>
    public IReadOnlyList<ResidualBlock> Blocks => _blocks.Select(b => b.Spec).ToArray();

    /// <summary>Each layer's width, activation and normalisation, as the network was built.</summary>
    public IReadOnlyList<LayerSpec> Specs => _layers.Select(l => new LayerSpec(l.OutputSize, l.Activation, l.Norm)).ToArray();

    /// <summary>
    /// What the layer above layer index <paramref name="layer"/> reads (m x units) from the last forward pass: the layer's
    /// output, or for the last layer of a residual block the block's output.
    /// </summary>
    public ReadOnlySpan<double> OutputOf(int layer) =>
        _blockEndingAt.Length > 0 && _blockEndingAt[layer] is ResidualStream block ? block.Output : _layers[layer].Output;

    /// <summary>The residual block that ends at layer index <paramref name="layer"/>, if one does.</summary>
    public ResidualBlock? BlockEndingAt(int layer) => _blockEndingAt.Length > 0 ? _blockEndingAt[layer]?.Spec : null;

    /// <summary>The residual block that starts at layer index <paramref name="layer"/>, if one does.</summary>
    public ResidualBlock? BlockStartingAt(int layer) => _blockStartingAt.Length > 0 ? _blockStartingAt[layer]?.Spec : null;

    /// <summary>The sum u = x_b + alpha a_k of a residual block from the last forward pass (the block's output in the pre form).</summary>
    public ReadOnlySpan<double> BlockSum(int layer) =>
        BlockEndingAtStream(layer) is ResidualStream block ? block.Sum : throw new ArgumentException($"no residual block ends at layer index {layer}", nameof(layer));

    private ResidualStream? BlockEndingAtStream(int layer) => _blockEndingAt.Length > 0 ? _blockEndingAt[layer] : null;

    private void SetBlocks(IReadOnlyList<ResidualBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _blocks = new ResidualStream[blocks.Count];
        _blockEndingAt = new ResidualStream?[_layers.Length];
        _blockStartingAt = new ResidualStream?[_layers.Length];
        int next = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            ResidualBlock spec = blocks[b];
            if (spec.Count < 1 || spec.First < next || spec.Last >= _layers.Length)
            {
                throw new ArgumentException($"residual block {b + 1} (layers {spec.First + 1} to {spec.Last + 1}) overlaps another or is outside the network's {_layers.Length} layers", nameof(blocks));
            }
            int width = _layers[spec.First].InputSize;
            if (_layers[spec.Last].OutputSize != width)
            {
                throw new ArgumentException($"residual block {b + 1} maps {width} units to {_layers[spec.Last].OutputSize}; an identity skip needs the same width", nameof(blocks));
            }
            if (!double.IsFinite(spec.Scale))
            {
                throw new ArgumentException($"residual block {b + 1} has scale {spec.Scale}", nameof(blocks));
            }
            var stream = new ResidualStream(spec, width, _pool);
            _blocks[b] = stream;
            _blockEndingAt[spec.Last] = stream;
            _blockStartingAt[spec.First] = stream;
            next = spec.Last + 1;
        }
        if (blocks.Count == 0)
        {
            _blockEndingAt = _blockStartingAt = [];
        }
    }

    private ReadOnlySpan<double> BlockInput(ResidualStream block) =>
        block.Spec.First == 0 ? _input.AsSpan(0, _batch * InputSize) : OutputOf(block.Spec.First - 1);

    /// <summary>
    /// The backward pass of a network with blocks: as the plain one, except that where a block ends the gradient is split
    /// (<see cref="SetOutputGradient"/>) and where it starts the skip's share is added to the branch's dJ/dx. The fused
    /// product (the layer below's phi' applied as dJ/dx is formed) is used inside blocks and between plain layers.
    /// </summary>
    private void BackwardWithBlocks(int top, ReadOnlySpan<double> gradient)
    {
        int m = _batch;
        SetOutputGradient(top, gradient, null);
        for (int l = top; l >= 0; l--)
        {
            ReadOnlySpan<double> x = l == 0 ? _input.AsSpan(0, m * InputSize) : OutputOf(l - 1);
            Span<double> dx = l == 0 ? _inputGradient.AsSpan(0, m * InputSize) : _activationGradients[l - 1].AsSpan(0, m * _layers[l - 1].OutputSize);
            ResidualStream? starting = _blockStartingAt[l];
            bool fuse = l > 0 && starting is null && _blockEndingAt[l - 1] is null;
            _layers[l].BackwardFromDelta(x, dx, fuse ? _layers[l - 1] : null);
            if (starting is not null)
            {
                TensorPrimitives.Add(dx, starting.SkipGradient, dx);
            }
            if (l > 0 && !fuse)
            {
                SetOutputGradient(l - 1, dx, _activationGradients[l - 1]);
            }
        }
    }

    /// <summary>
    /// Sets layer <paramref name="layer"/>'s delta from dJ/d(what the layer above reads); <paramref name="owner"/> is the
    /// network's array that holds the gradient, which stays as it is until the block's input is reached (null: a caller's).
    /// </summary>
    private void SetOutputGradient(int layer, ReadOnlySpan<double> gradient, double[]? owner)
    {
        if (_blockEndingAt[layer] is ResidualStream block)
        {
            _layers[layer].SetDelta(block.Backward(gradient, owner));
        }
        else
        {
            _layers[layer].SetDelta(gradient);
        }
    }

    /// <summary>The buffers of one residual block: the sum u, the output, and the two shares of the gradient.</summary>
    private sealed class ResidualStream(ResidualBlock spec, int width, BufferPool? pool)
    {
        private double[] _sum = [];
        private double[] _output = [];
        private double[] _skipGradient = [];
        private double[] _branchGradient = [];
        private double[]? _skipHeld;
        private int _batch;

        public ResidualBlock Spec { get; } = spec;

        public ReadOnlySpan<double> Sum => _sum.AsSpan(0, _batch * width);

        public ReadOnlySpan<double> Output => Spec.After is null ? Sum : _output.AsSpan(0, _batch * width);

        /// <summary>dJ/dx_b along the skip, from the last <see cref="Backward"/>.</summary>
        public ReadOnlySpan<double> SkipGradient => (_skipHeld ?? _skipGradient).AsSpan(0, _batch * width);

        public ReadOnlySpan<double> Forward(ReadOnlySpan<double> input, ReadOnlySpan<double> branch, int m)
        {
            _batch = m;
            Span<double> sum = _sum.AsSpan(0, m * width);
            TensorPrimitives.MultiplyAdd(branch, Spec.Scale, input, sum);
            if (Spec.After is null)
            {
                return sum;
            }
            Span<double> output = _output.AsSpan(0, m * width);
            Spec.After.Forward(sum, output);
            return output;
        }

        /// <summary>
        /// From g = dJ/d(output): keeps the skip's share and returns the branch's, dJ/d(last layer's output). In the pre form
        /// the skip's share is g itself: held by reference when the network's own <paramref name="owner"/> array holds it,
        /// and with alpha = 1 the branch's is g too, so neither costs a pass over the batch.
        /// </summary>
        public ReadOnlySpan<double> Backward(ReadOnlySpan<double> gradient, double[]? owner)
        {
            int size = _batch * width;
            Span<double> skip = _skipGradient.AsSpan(0, size), branch = _branchGradient.AsSpan(0, size);
            _skipHeld = null;
            if (Spec.After is not null)
            {
                Spec.After.MultiplyByDerivative(Sum, Output, gradient[..size], skip);
            }
            else if (owner is not null)
            {
                _skipHeld = owner;
            }
            else
            {
                gradient[..size].CopyTo(skip);
            }
            ReadOnlySpan<double> share = SkipGradient;
            if (Spec.Scale == 1)
            {
                return share;
            }
            TensorPrimitives.Multiply(share, Spec.Scale, branch);
            return branch;
        }

        public void EnsureBatch(int m)
        {
            int size = m * width;
            if (_sum.Length >= size)
            {
                return;
            }
            double[] sum = Rent(size), output = Spec.After is null ? [] : Rent(size), skip = Rent(size), branch = Rent(size);
            ReturnBuffers();
            (_sum, _output, _skipGradient, _branchGradient) = (sum, output, skip, branch);
        }

        public void ReturnBuffers()
        {
            foreach (double[] array in (double[][])[_sum, _output, _skipGradient, _branchGradient])
            {
                pool?.Return(array);
            }
            _sum = _output = _skipGradient = _branchGradient = [];
        }

        private double[] Rent(int length) => pool?.Rent(length) ?? new double[length];
    }
}
