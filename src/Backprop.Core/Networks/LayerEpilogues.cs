using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// a = phi(z) on a block of z the forward product has just finished (bias already added in the micro-kernel), so
/// the activation reads z from cache rather than in a second pass over the whole batch; with a derivative buffer,
/// phi'(z) too, for the backward pass.
/// </summary>
internal sealed unsafe class ActivationEpilogue(Activation activation) : GemmEpilogue
{
    private double* _z;
    private double* _a;
    private double* _derivative;
    private int _columns;

    /// <summary><paramref name="derivative"/>: where phi' goes, or null for none.</summary>
    public void Set(double* z, double* a, double* derivative, int columns)
    {
        _z = z;
        _a = a;
        _derivative = derivative;
        _columns = columns;
    }

    public void Clear()
    {
        _z = null;
        _a = null;
        _derivative = null;
    }

    public override void Apply(int row, int rows, int column, int columns)
    {
        if (column == 0 && columns == _columns)
        {
            Run((nint)row * _columns, rows * columns);
            return;
        }
        for (int r = row; r < row + rows; r++)
        {
            Run((nint)r * _columns + column, columns);
        }
    }

    private void Run(nint start, int length) =>
        activation.Forward(
            new ReadOnlySpan<double>(_z + start, length),
            new Span<double>(_a + start, length),
            _derivative == null ? default : new Span<double>(_derivative + start, length));
}

/// <summary>
/// delta = g phi'(z) for the layer below, on a block of g = dJ/da the input-gradient product of the layer above has
/// just finished: the chain rule's elementwise factor fused into the product that feeds it, with phi' as the
/// forward pass kept it (or, for the kinds that keep none, selected from z).
/// </summary>
internal sealed unsafe class DerivativeEpilogue(Activation activation) : GemmEpilogue
{
    private double* _z;
    private double* _derivative;
    private double* _g;
    private double* _delta;
    private int _columns;

    /// <summary><paramref name="derivative"/>: phi' kept by the forward pass, or null where the kind keeps none.</summary>
    public void Set(double* z, double* derivative, double* g, double* delta, int columns)
    {
        _z = z;
        _derivative = derivative;
        _g = g;
        _delta = delta;
        _columns = columns;
    }

    public void Clear()
    {
        _z = null;
        _derivative = null;
        _g = null;
        _delta = null;
    }

    public override void Apply(int row, int rows, int column, int columns)
    {
        if (column == 0 && columns == _columns)
        {
            Run((nint)row * _columns, rows * columns);
            return;
        }
        for (int r = row; r < row + rows; r++)
        {
            Run((nint)r * _columns + column, columns);
        }
    }

    private void Run(nint start, int length) =>
        activation.MultiplyByKeptDerivative(
            new ReadOnlySpan<double>(_z + start, length),
            _derivative == null ? default : new ReadOnlySpan<double>(_derivative + start, length),
            new ReadOnlySpan<double>(_g + start, length),
            new Span<double>(_delta + start, length));
}
