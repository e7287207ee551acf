using Backprop.Core.Randomness;

namespace Backprop.Core.Checking;

/// <summary>A tensor to check entry by entry: its analytic gradient and how to label an entry.</summary>
internal sealed record CheckedTensor(string Name, string Description, double[] Analytic, Func<int, string> Label);

/// <summary>
/// The full check's engine, shared by networks and user layers: picks the entries (all, or k per tensor at
/// random), differentiates them on <c>threads</c> workers that each own a probe (a private copy of the
/// function), judges every entry and sums each tensor up. Worker w takes entries w, w + threads, ..., so the
/// result does not depend on scheduling.
/// </summary>
internal static class EntryChecks
{
    public static TensorCheck[] Run<TProbe>(
        IReadOnlyList<CheckedTensor> tensors, Func<TProbe> newProbe, Func<TProbe, int, int, Difference> differentiate,
        double noiseFloor, GradCheckOptions options)
    {
        var work = new List<(int Tensor, int Index)>();
        for (int t = 0; t < tensors.Count; t++)
        {
            foreach (int index in Choose(tensors[t].Analytic.Length, options.SamplePerTensor, Rng.DeriveSeed(options.Seed, (ulong)t)))
            {
                work.Add((t, index));
            }
        }
        var differences = new Difference[work.Count];
        int threads = Math.Min(options.Threads, Math.Max(1, work.Count));
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
        {
            TProbe probe = newProbe();
            for (int i = w; i < work.Count; i += threads)
            {
                differences[i] = differentiate(probe, work[i].Tensor, work[i].Index);
            }
        });
        var entries = tensors.Select(_ => new List<EntryCheck>()).ToArray();
        for (int i = 0; i < work.Count; i++)
        {
            var (t, index) = work[i];
            Difference d = differences[i];
            double analytic = tensors[t].Analytic[index];
            var (relative, band, verdict) = d.Judge(analytic, noiseFloor);
            entries[t].Add(new EntryCheck(tensors[t].Label(index), index, analytic, d.Numeric, relative, band, verdict,
                d.KinkCrossed ? d.Left : null, d.KinkCrossed ? d.Right : null));
        }
        return tensors.Select((tensor, t) => Summarize(tensor, entries[t], options.WorstCount)).ToArray();
    }

    private static TensorCheck Summarize(CheckedTensor tensor, List<EntryCheck> entries, int worstCount)
    {
        var judged = entries.Where(e => e.Verdict is EntryVerdict.Pass or EntryVerdict.Suspicious or EntryVerdict.Fail).ToList();
        var worst = entries.OrderByDescending(e => Rank(e.Verdict)).ThenByDescending(e => e.RelativeError).Take(worstCount).ToList();
        return new TensorCheck(
            tensor.Name, tensor.Description, tensor.Analytic.Length, entries.Count,
            judged.Count > 0 ? judged.Max(e => e.RelativeError) : 0.0,
            judged.Count > 0 ? judged.Average(e => e.RelativeError) : 0.0,
            entries.Count(e => e.Verdict == EntryVerdict.KinkCrossed),
            entries.Count(e => e.Verdict == EntryVerdict.BelowNoise),
            entries.Count(e => e.Verdict == EntryVerdict.Fail),
            GradCheckReport.Combine(entries.Select(e => GradCheckReport.FromEntry(e.Verdict))),
            worst);
    }

    // Failures first, then kink crossings (worth seeing), then the judged passes; below-noise entries last.
    private static int Rank(EntryVerdict verdict) => verdict switch
    {
        EntryVerdict.Fail => 4,
        EntryVerdict.Suspicious => 3,
        EntryVerdict.KinkCrossed => 2,
        EntryVerdict.Pass => 1,
        _ => 0,
    };

    /// <summary>All indices 0..size-1, or k of them drawn without replacement (partial Fisher-Yates), in order.</summary>
    internal static int[] Choose(int size, int? sample, ulong seed)
    {
        int[] all = Enumerable.Range(0, size).ToArray();
        if (sample is not { } k || k >= size)
        {
            return all;
        }
        var rng = new Rng(seed);
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.NextInt(size - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        int[] chosen = all[..k];
        Array.Sort(chosen);
        return chosen;
    }
}
