using Backprop.Core.Networks;
using Backprop.Core.Serialization;

namespace Backprop.Lab.Cli.Commands;

/// <summary>Takes <paramref name="rows"/> consecutive rows of a per-example matrix, held in <paramref name="values"/>.</summary>
internal delegate void RowsVisitor(ReadOnlySpan<double> values, int rows);

/// <summary>A per-example matrix handed over a chunk of rows at a time, in order, to <paramref name="visit"/>.</summary>
internal delegate void RowChunks(RowsVisitor visit);

/// <summary>
/// The gradient pass of lab grad over a batch of any size, and the per-example values it prints (each layer's delta,
/// dJ/dx). A batch that fits in one chunk (<see cref="Mlp.ChunkRows"/>) runs once and leaves them all in the network.
/// A larger one would need every example's values of every layer at once to print them in the order of the output
/// (all of layer 1's deltas before layer 2's, dJ/dx last); instead each matrix is produced by running the batch again,
/// chunk by chunk, and printed as its chunks come. Each run gives the same bits, the summed gradients included, so
/// memory stays at a chunk's rows for the price of one more pass per matrix printed.
/// </summary>
internal sealed class PerExampleRows(Mlp network, Batch batch, Loss loss)
{
    private delegate ReadOnlySpan<double> Values();

    /// <summary>J over the batch; leaves dJ/dW and dJ/db of the whole batch in the layers.</summary>
    public double ComputeGradients() => network.ComputeGradientsInChunks(batch.Inputs, batch.Targets, batch.Count, loss, Mlp.ChunkRows);

    /// <summary>delta = dJ/dz of layer index <paramref name="layer"/> (0-based), batch x units.</summary>
    public RowChunks Delta(int layer) => Rows(() => network.Layers[layer].Delta);

    /// <summary>dJ/dx, batch x inputs.</summary>
    public RowChunks InputGradient => Rows(() => network.InputGradient);

    private RowChunks Rows(Values values) => visit =>
    {
        if (batch.Count <= Mlp.ChunkRows)
        {
            visit(values(), batch.Count);
            return;
        }
        network.ComputeGradientsInChunks(batch.Inputs, batch.Targets, batch.Count, loss, Mlp.ChunkRows, (_, rows) => visit(values(), rows));
    };
}
