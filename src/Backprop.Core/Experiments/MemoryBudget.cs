using System.Globalization;

namespace Backprop.Core.Experiments;

/// <summary>
/// How much memory the trials that run at once may take together: by default half of what the garbage collector says
/// this process may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the machine's memory, or a container's or
/// <c>DOTNET_GCHeapHardLimit</c>'s limit), the other half left to the runtime, the results and everything else on the
/// machine. Trials are checked against it with <see cref="TrialMemory"/> before any of them starts.
/// </summary>
/// <param name="Bytes">The budget.</param>
/// <param name="Origin">Where it comes from, for messages: "half of this machine's memory", "--memory-budget".</param>
public sealed record MemoryBudget(long Bytes, string Origin)
{
    /// <summary>Half of the memory available to this process.</summary>
    public static MemoryBudget Default() => new(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2, "half of this machine's memory");

    /// <summary>
    /// Reads a size: a number of bytes with an optional unit K, M, G or T (powers of 1024; "B", "iB" after it and any
    /// case are accepted), e.g. "8G", "500M", "1.5GiB", "1048576". Null when <paramref name="text"/> is not one, or not
    /// at least 1 MB.
    /// </summary>
    public static long? ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        foreach (string suffix in new[] { "iB", "ib", "IB", "B", "b" })
        {
            if (s.Length > suffix.Length && s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length];
                break;
            }
        }
        int shift = s.Length == 0 ? 0 : char.ToUpperInvariant(s[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (shift > 0)
        {
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            return null;
        }
        double bytes = value * Math.Pow(2, shift);
        return bytes >= 1 << 20 && bytes < long.MaxValue ? (long)bytes : null;
    }

    /// <summary>
    /// Why <paramref name="trials"/> may not run <paramref name="atOnce"/> at a time within this budget (the largest of
    /// them, times the number that run at once, is over it; or one of them cannot run at all), or null when they may.
    /// The largest trial bounds each of those running together, whichever they are. The sentence names the largest
    /// trial, what it needs and its largest part, and what to lower; <paramref name="atOnceOption"/> ("--parallel") is
    /// how a user runs fewer at once and <paramref name="budgetOption"/> how they raise the budget. <paramref name="trials"/>
    /// may be configurations that bound the trials' memory (<see cref="SweepGrid.MemoryCandidates"/>), with
    /// <paramref name="trialCount"/> the number of trials they stand for.
    /// </summary>
    public string? Refusal(IEnumerable<TrialConfig> trials, int atOnce, string atOnceOption, string budgetOption = "--memory-budget", long? trialCount = null)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(atOnce);
        TrialMemoryEstimate? largest = null;
        long count = 0;
        foreach (TrialConfig config in trials)
        {
            TrialMemoryEstimate estimate = TrialMemory.Estimate(config);
            if (estimate.Problem is string problem)
            {
                return $"{estimate.Trial} cannot run: {problem}";
            }
            count++;
            if (largest is null || estimate.Bytes > largest.Bytes)
            {
                largest = estimate;
            }
        }
        if (largest is null)
        {
            return null;
        }
        long together = Math.Min(atOnce, trialCount ?? count);
        long need = largest.Bytes > long.MaxValue / together ? long.MaxValue : largest.Bytes * together;
        if (need <= Bytes)
        {
            return null;
        }
        string budget = $"over the budget of {TrialMemory.Format(Bytes)} ({Origin})";
        string lower = largest.Largest.Lower.Length > 0 ? $"lower {largest.Largest.Lower}, " : "";
        return together == 1 || largest.Bytes > Bytes
            ? $"{largest.Trial} {largest.Needs}, {budget}; {lower}or raise {budgetOption}"
            : $"{largest.Trial} {largest.Needs}; {together} at once need {TrialMemory.Format(need)}, {budget}; {lower}run fewer at once ({atOnceOption}), or raise {budgetOption}";
    }
}
