using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Experiments;

/// <summary>
/// Counts <see cref="Histogram"/>s into a preallocated array, so recording one allocates only the histogram it returns.
/// One per trial: not safe to share between threads.
/// </summary>
/// <remarks>
/// Every entry is counted without a branch, as counting runs over every weight gradient and activation at each
/// checkpoint. The top 12 bits of a double (sign and biased exponent) pick its binade [2^e, 2^(e+1)) of one sign; its
/// slot is the binade's first slot plus the number of the binade's edges it reaches, found by comparing its bits with
/// the edges' bits (doubles of one sign order as their bits do). A binade holds at most two edges, as they are
/// 10^(1/4) = 1.78 apart, so two compares give exactly the bin a scan of the edges gives. Zeros, subnormal numbers,
/// infinities and NaN fall out of the same two compares (see <see cref="Binades"/>). Consecutive entries go to
/// <see cref="Lanes"/> copies of the counts, summed at the end, so that a run of entries in one slot does not wait on
/// its own increments.
/// </remarks>
public sealed class HistogramCounter
{
    // Slots of one sign: 0 zero, 1 + k bin k, then infinity, and NaN two up (it passes both of its binade's compares).
    private const int InfinitySlot = Histogram.Bins + 1;
    private const int NanSlot = InfinitySlot + 2;
    private const int Side = 256;
    private const int Lanes = 2;
    private const int Lane = 2 * Side;
    private const ulong SignBit = 1UL << 63;

    /// <summary>By sign and biased exponent (the top 12 bits): the binade's first slot and its edges' bits.</summary>
    private static readonly Binade[] Binades = BuildBinades();

    private readonly int[] _slots = new int[Lanes * Lane];

    /// <summary>The scaled values of <see cref="Count(ReadOnlySpan{double}, double)"/>, kept for the next call.</summary>
    private double[] _scaled = [];

    /// <summary>
    /// The histogram of <paramref name="values"/> times <paramref name="scale"/> (the batch's m, for a layer's dJ/dz whose
    /// per-example errors are m times its entries), without changing <paramref name="values"/>.
    /// </summary>
    public Histogram Count(ReadOnlySpan<double> values, double scale)
    {
        if (_scaled.Length < values.Length)
        {
            _scaled = new double[values.Length];
        }
        Span<double> scaled = _scaled.AsSpan(0, values.Length);
        TensorPrimitives.Multiply(values, scale, scaled);
        return Count(scaled);
    }

    public Histogram Count(ReadOnlySpan<double> values)
    {
        Array.Clear(_slots);
        Tally(MemoryMarshal.Cast<double, ulong>(values), _slots);
        Span<int> slots = _slots.AsSpan(0, Lane);
        TensorPrimitives.Add(slots, _slots.AsSpan(Lane, Lane), slots);
        Span<int> pos = slots[..Side], neg = slots[Side..];
        (int negFrom, int[]? negCounts) = Trim(neg.Slice(1, Histogram.Bins));
        (int posFrom, int[]? posCounts) = Trim(pos.Slice(1, Histogram.Bins));
        return new Histogram
        {
            Zero = pos[0] + neg[0], Nan = pos[NanSlot] + neg[NanSlot], NegInf = neg[InfinitySlot], PosInf = pos[InfinitySlot],
            NegFrom = negFrom, Neg = negCounts, PosFrom = posFrom, Pos = posCounts,
        };
    }

    private static void Tally(ReadOnlySpan<ulong> bits, int[] slots)
    {
        ref Binade binades = ref MemoryMarshal.GetArrayDataReference(Binades);
        ref int counts = ref MemoryMarshal.GetArrayDataReference(slots);
        int i = 0;
        for (; i < bits.Length - 1; i += 2)
        {
            Unsafe.Add(ref counts, Slot(bits[i], ref binades))++;
            Unsafe.Add(ref counts, Lane + Slot(bits[i + 1], ref binades))++;
        }
        if (i < bits.Length)
        {
            Unsafe.Add(ref counts, Slot(bits[i], ref binades))++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Slot(ulong x, ref Binade binades)
    {
        // x and an edge have the same sign bit, so x - edge, read as signed, is negative exactly when x < edge: the
        // slot is two up from Top unless x is below either edge, each subtraction's sign bit taking one off.
        ref Binade b = ref Unsafe.Add(ref binades, (nint)(x >> 52));
        return b.Top - (nint)((x - b.First) >> 63) - (nint)((x - b.Second) >> 63);
    }

    private static (int From, int[]? Counts) Trim(ReadOnlySpan<int> bins)
    {
        int first = bins.IndexOfAnyExcept(0);
        if (first < 0)
        {
            return (0, null);
        }
        int last = bins.LastIndexOfAnyExcept(0);
        return (first, bins[first..(last + 1)].ToArray());
    }

    /// <summary>
    /// The bits of the (up to two) edges inside a binade, <see cref="None"/> of its sign when there are fewer (no finite
    /// double of that sign reaches it), and the slot of a double that reaches both: the binade's first slot plus two.
    /// </summary>
    private readonly record struct Binade(ulong First, ulong Second, nint Top);

    private const ulong None = SignBit - 1;

    private static Binade[] BuildBinades()
    {
        var binades = new Binade[4096];
        // Biased exponent 0: zero itself, or from the smallest subnormal number up, bin 0 (all below 1e-40).
        binades[0] = new Binade(1, None, 0 + 2);
        for (int e = 1; e < 2047; e++)
        {
            int k = Histogram.Bin(Math.ScaleB(1.0, e - 1023));
            binades[e] = new Binade(EdgeBits(k), EdgeBits(k + 1), 1 + k + 2);
        }
        // Biased exponent 2047: infinity with a zero mantissa, NaN with any other. None would be reached here (by the
        // NaN of all ones), so NaN's threshold is both edges.
        ulong nan = BitConverter.DoubleToUInt64Bits(double.PositiveInfinity) + 1;
        binades[2047] = new Binade(nan, nan, InfinitySlot + 2);
        for (int e = 0; e < 2048; e++)
        {
            Binade positive = binades[e];
            binades[2048 + e] = new Binade(positive.First | SignBit, positive.Second | SignBit, Side + positive.Top);
        }
        return binades;
    }

    private static ulong EdgeBits(int k) => k < Histogram.EdgeCount ? BitConverter.DoubleToUInt64Bits(Histogram.Edge(k)) : None;
}
