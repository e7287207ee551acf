using System.Text.Json.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// The entries of one tensor (a layer's dJ/dW, or its activations over a batch) counted by sign and magnitude on fixed
/// log-spaced bins, the same for every layer, step and trial, so histograms line up without rebinning. Each sign has
/// <see cref="Bins"/> bins of |x|: bin 0 holds 0 &lt; |x| &lt; 1e-40 (subnormals included), bin k = 1..200 holds
/// <see cref="Histogram.Edge"/>(k - 1) &lt;= |x| &lt; Edge(k), the edges being 10^(-40 + k/4) (four bins a decade up to
/// 1e10), and bin 201 holds finite |x| &gt;= 1e10. Zeros (either sign), NaN and the two infinities are counted apart,
/// so the counts always add up to the number of entries. Only the non-empty range of each sign is kept:
/// <see cref="Neg"/>[i] is the count of negative entries in bin <see cref="NegFrom"/> + i (likewise for positive ones).
/// In trials.jsonl a count or range that is zero or empty is left out.
/// </summary>
public sealed record Histogram
{
    /// <summary>log10 of the lowest edge: |x| below 1e-40 falls in the underflow bin.</summary>
    public const int MinDecade = -40;

    /// <summary>log10 of the highest edge: finite |x| from 1e10 up falls in the overflow bin.</summary>
    public const int MaxDecade = 10;

    public const int BinsPerDecade = 4;

    /// <summary>Edges of the log-spaced bins, <see cref="MinDecade"/> to <see cref="MaxDecade"/>.</summary>
    public const int EdgeCount = (MaxDecade - MinDecade) * BinsPerDecade + 1;

    /// <summary>Bins per sign: underflow, the log-spaced bins between the edges, overflow.</summary>
    public const int Bins = EdgeCount + 1;

    // 10^(j/4) for j = 0..3 to 17 significant digits; an edge is the double nearest to mantissa x 10^decade.
    private static readonly string[] Mantissas = ["1", "1.7782794100389228", "3.1622776601683793", "5.6234132519034908"];

    private static readonly double[] Edges = Enumerable.Range(0, EdgeCount)
        .Select(k => double.Parse($"{Mantissas[k % BinsPerDecade]}e{MinDecade + k / BinsPerDecade}", System.Globalization.CultureInfo.InvariantCulture))
        .ToArray();

    /// <summary>Entries equal to zero (+0 or -0).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Zero { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Nan { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int NegInf { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PosInf { get; init; }

    /// <summary>The bin of <see cref="Neg"/>[0].</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int NegFrom { get; init; }

    /// <summary>Counts of finite negative entries by bin of |x|, from <see cref="NegFrom"/> to the last non-empty bin.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? Neg { get; init; }

    /// <summary>The bin of <see cref="Pos"/>[0].</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PosFrom { get; init; }

    /// <summary>Counts of finite positive entries by bin, from <see cref="PosFrom"/> to the last non-empty bin.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? Pos { get; init; }

    /// <summary>Every entry counted: zeros, NaN, infinities and both signs' bins.</summary>
    [JsonIgnore]
    public long Total => (long)Zero + Nan + NegInf + PosInf + (Neg?.Sum(c => (long)c) ?? 0) + (Pos?.Sum(c => (long)c) ?? 0);

    /// <summary>The lower edge of log-spaced bin k + 1 (and upper edge of bin k), k = 0..<see cref="EdgeCount"/> - 1: 10^(-40 + k/4).</summary>
    public static double Edge(int k) => Edges[k];

    /// <summary>The count of bin <paramref name="bin"/> of one sign (0 outside the stored range).</summary>
    public int Count(bool negative, int bin)
    {
        int[]? counts = negative ? Neg : Pos;
        int i = bin - (negative ? NegFrom : PosFrom);
        return counts is not null && i >= 0 && i < counts.Length ? counts[i] : 0;
    }

    /// <summary>The bin of a finite magnitude m &gt; 0.</summary>
    public static int Bin(double m)
    {
        // The bin of m's power of two, then at most two edges up: a binade [2^e, 2^(e+1)) holds at most two edges, as
        // they are 10^(1/4) = 1.78 apart. Exact (the edges decide), and no logarithm per entry.
        int k = BinadeBins[(int)(BitConverter.DoubleToInt64Bits(m) >> 52) & 0x7FF];
        while (k < EdgeCount && m >= Edges[k])
        {
            k++;
        }
        return k;
    }

    /// <summary>The bin of 2^(e - 1023) for each biased exponent e (0: subnormal numbers, all below 1e-40).</summary>
    private static readonly short[] BinadeBins = Enumerable.Range(0, 2048).Select(e => (short)(e == 0 ? 0 : Scan(Math.ScaleB(1.0, Math.Min(e, 2046) - 1023)))).ToArray();

    private static int Scan(double m)
    {
        int k = 0;
        while (k < EdgeCount && m >= Edges[k])
        {
            k++;
        }
        return k;
    }
}
