using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments.Data;

/// <summary>
/// Draws mini-batches from a dataset in shuffled epochs (each example once per epoch, in a seeded random
/// order), into buffers it owns, so a training step allocates nothing. A batch as large as the dataset is
/// the whole dataset in its original order (full-batch gradient descent).
/// </summary>
public sealed class MiniBatcher
{
    private readonly Dataset _data;
    private readonly Rng _rng;
    private readonly int[] _order;
    private int _next;

    public MiniBatcher(Dataset data, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _data = data;
        BatchSize = Math.Min(batchSize, data.Count);
        _rng = new Rng(Rng.DeriveSeed(seed, 0xBA7C));
        _order = Enumerable.Range(0, data.Count).ToArray();
        Inputs = new double[BatchSize * data.InputSize];
        Targets = new double[BatchSize * data.OutputSize];
        if (BatchSize == data.Count)
        {
            data.Inputs.CopyTo(Inputs, 0);
            data.Targets.CopyTo(Targets, 0);
        }
        _next = data.Count;
    }

    public int BatchSize { get; }
    public double[] Inputs { get; }
    public double[] Targets { get; }

    /// <summary>Fills <see cref="Inputs"/> and <see cref="Targets"/> with the next batch.</summary>
    public void Next()
    {
        if (BatchSize == _data.Count)
        {
            return;
        }
        int dIn = _data.InputSize, dOut = _data.OutputSize;
        for (int b = 0; b < BatchSize; b++)
        {
            if (_next == _order.Length)
            {
                Shuffle();
                _next = 0;
            }
            int i = _order[_next++];
            Array.Copy(_data.Inputs, i * dIn, Inputs, b * dIn, dIn);
            Array.Copy(_data.Targets, i * dOut, Targets, b * dOut, dOut);
        }
    }

    private void Shuffle()
    {
        for (int i = _order.Length - 1; i > 0; i--)
        {
            int j = _rng.NextInt(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }
}
