namespace Backprop.Core.Checking;

/// <summary>The arithmetic in which the finite differences evaluate the loss.</summary>
public enum Precision
{
    Double,

    /// <summary>The forward pass and loss rounded to float32 (for the float32-versus-float64 lesson).</summary>
    Single,
}

/// <summary>Settings of a gradient check; <see cref="Validate"/> says what is wrong with a bad value.</summary>
public sealed record GradCheckOptions
{
    /// <summary>The finite-difference step h (PyTorch's eps); 1e-6 balances truncation and rounding in float64.</summary>
    public double Step { get; init; } = 1e-6;

    /// <summary>Check at most this many entries per tensor, drawn at random (null: every entry).</summary>
    public int? SamplePerTensor { get; init; }

    /// <summary>How many worst entries each tensor reports.</summary>
    public int WorstCount { get; init; } = 5;

    /// <summary>Seed for sampling, directions and the random upstream gradient of a layer check.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Worker threads for the full check (each works on its own copy of the network).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public Precision Precision { get; init; } = Precision.Double;

    /// <summary>When the end-to-end check fails, check each layer's backward rule on its own and name the first wrong one.</summary>
    public bool Localize { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting and what it must be.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Step) || Step <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Step), Step, $"the step h must be a positive finite number, got {Step}");
        }
        if (SamplePerTensor is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SamplePerTensor), SamplePerTensor, $"the sample count must be at least 1 entry per tensor, got {SamplePerTensor}");
        }
        if (WorstCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WorstCount), WorstCount, $"the number of worst entries must be at least 1, got {WorstCount}");
        }
        if (Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"the thread count must be at least 1, got {Threads}");
        }
    }
}
