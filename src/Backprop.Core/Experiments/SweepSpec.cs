using System.Text.Json;
using Backprop.Core.Randomness;
using System.Text.RegularExpressions;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>One axis of a sweep: a field and the values it takes.</summary>
public sealed record SweepAxis(string Field, IReadOnlyList<object> Values);

/// <summary>One trial of an expanded sweep: its configuration (with its seed) and its stable key.</summary>
public sealed record Trial(string Key, TrialConfig Config);

/// <summary>
/// A validated sweep file: a name, a base configuration, grid axes (their Cartesian product), optional
/// random samples, and the number of seeds per configuration. The format is documented in docs/sweeps.md and in
/// experiments/sweep.schema.json.
/// </summary>
public sealed partial record SweepSpec(
    string Name,
    string? Description,
    TrialConfig Base,
    IReadOnlyList<SweepAxis> Grid,
    RandomSamples? Random,
    int Seeds,
    string SourceText)
{
    /// <summary>
    /// The reproduction whose claims are checked on this sweep's results (<c>lab reproduce</c>, the report), or null. Core
    /// checks only its spelling; which names exist is known where the claims are.
    /// </summary>
    public string? Paper { get; init; }

    /// <summary>Sweeps larger than this are refused unless the caller allows large sweeps.</summary>
    public const long MaxTrials = 100_000;

    /// <summary>Networks with more parameters than this are refused (8 bytes each, plus buffers).</summary>
    public const long MaxParameters = 50_000_000;

    /// <summary>The number of trials the sweep expands to, computed without expanding it.</summary>
    public long TrialCount => Grid.Aggregate(1L, (n, a) => SaturatingMultiply(n, a.Values.Count)) is long g
        ? SaturatingMultiply(SaturatingMultiply(g, Random?.Count ?? 1), Seeds)
        : 0;

    /// <summary>
    /// Every trial, in the order of <see cref="SweepGrid"/>: the random samples outermost, then the grid (its first axis
    /// outermost), then seeds innermost. Seed s of a configuration uses trial seed base.seed + s, so configurations share
    /// data and batch order. For small sweeps and tests; a sweep runs from its <see cref="SweepGrid"/>, which makes each
    /// trial when it is reached.
    /// </summary>
    public IReadOnlyList<Trial> Expand() => new SweepGrid(this).From().ToList();

    private static long SaturatingMultiply(long a, long b) => a == 0 || b == 0 ? 0 : a > long.MaxValue / b ? long.MaxValue : a * b;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    internal static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,63}$")]
    internal static partial Regex PaperPattern();
}

/// <summary>Random samples: <see cref="Count"/> draws of the random axes, crossed with the grid.</summary>
public sealed record RandomSamples(int Count, ulong Seed, IReadOnlyList<RandomAxis> Axes);

/// <summary>A random axis: uniform or log-uniform on [Low, High], or a uniform choice among values.</summary>
public sealed record RandomAxis(string Field, string Kind, double Low, double High, IReadOnlyList<object>? Choices)
{
    internal object Draw(Rng rng)
    {
        SweepFields.Field field = SweepFields.Find(Field)!;
        return Kind switch
        {
            "choice" => Choices![rng.NextInt(Choices.Count)],
            // DeterministicMath so a random sweep expands to the same trials (and keys) on every machine.
            "log_uniform" => field.FromNumber!(DeterministicMath.Exp(rng.NextUniform(DeterministicMath.Log(Low), DeterministicMath.Log(High)))),
            _ => field.FromNumber!(rng.NextUniform(Low, High)),
        };
    }
}
