using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// a = phi(z) on a block of z the forward product has just finished (bias already added in the micro-kernel), so
/// the activation reads z from cache rather than in a second pass over the whole batch.
/// </summary>
internal sealed unsafe class ActivationEpilogue(Activation activation) : GemmEpilogue
{
    private double* _z;
    private double* _a;
    private int _columns;

    public void Set(double* z, double* a, int columns)
    {
        _z = z;
        _a = a;
        _columns = columns;
    }

    public void Clear()
    {
        _z = null;
        _a = null;
    }

    public override void Apply(int row, int rows, int column, int columns)
    {
        if (column == 0 && columns == _columns)
        {
            nint start = (nint)row * _columns;
            activation.Forward(new ReadOnlySpan<double>(_z + start, rows * columns), new Span<double>(_a + start, rows * columns));
            return;
        }
        for (int r = row; r < row + rows; r++)
        {
            nint start = (nint)r * _columns + column;
            activation.Forward(new ReadOnlySpan<double>(_z + start, columns), new Span<double>(_a + start, columns));
        }
    }
}

/// <summary>
/// delta = g phi'(z) for the layer below, on a block of g = dJ/da the input-gradient product of the layer above has
/// just finished: the chain rule's elementwise factor fused into the product that feeds it.
/// </summary>
internal sealed unsafe class DerivativeEpilogue(Activation activation) : GemmEpilogue
{
    private double* _z;
    private double* _a;
    private double* _g;
    private double* _delta;
    private int _columns;

    public void Set(double* z, double* a, double* g, double* delta, int columns)
    {
        _z = z;
        _a = a;
        _g = g;
        _delta = delta;
        _columns = columns;
    }

    public void Clear()
    {
        _z = null;
        _a = null;
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
        activation.MultiplyByDerivative(
            new ReadOnlySpan<double>(_z + start, length),
            new ReadOnlySpan<double>(_a + start, length),
            new ReadOnlySpan<double>(_g + start, length),
            new Span<double>(_delta + start, length));
}
