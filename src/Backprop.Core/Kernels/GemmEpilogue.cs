namespace Backprop.Core.Kernels;

/// <summary>
/// Work done on a block of C right after <see cref="PackedGemm"/> finished it, while it is still in cache (the
/// activation after z = x W^T + b, or the derivative that turns dJ/da into delta). Called once per finished
/// block of rows and columns, from the thread that computed it; blocks never overlap.
/// </summary>
internal abstract class GemmEpilogue
{
    /// <summary>Rows [row, row + rows) and columns [column, column + columns) of C are final.</summary>
    public abstract void Apply(int row, int rows, int column, int columns);
}
