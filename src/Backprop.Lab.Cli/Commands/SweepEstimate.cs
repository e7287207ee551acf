using System.Diagnostics;
using System.Globalization;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The duration <c>lab sweep</c> announces before its first trial ends: each trial's multiply-adds
/// (<see cref="TrialCost"/>) times the seconds per multiply-add of the dense engine, measured here on a small trial,
/// laid out on the workers that run at once the way the sweep starts them (longest first). Approximate: the rate of
/// one small trial on an idle core stands for every trial size, and for several trials sharing the cores.
/// </summary>
internal static class SweepEstimate
{
    // Small enough to take a few tens of milliseconds, large enough that the matrix products, not per-step overheads,
    // set its time (like the trials worth estimating).
    private static readonly TrialConfig Calibration = new()
    {
        Depth = 4, Width = 64, Dataset = "teacher", Samples = 256, BatchSize = 64, Steps = 40, RecordEvery = 10, Seed = 1,
    };

    /// <summary>
    /// Seconds per multiply-add of training on this machine: the median of five runs after one that compiles the code.
    /// A run lasts milliseconds, so one preemption can double it; the median ignores a couple, and still reflects a
    /// machine that is busy throughout.
    /// </summary>
    public static double MeasureRate()
    {
        TrialRunner.Run(Calibration);
        var seconds = new double[5];
        for (int i = 0; i < seconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            TrialRunner.Run(Calibration);
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return seconds[seconds.Length / 2] / TrialCost.MultiplyAdds(Calibration);
    }

    /// <summary>
    /// The line to print for <paramref name="pending"/> trials run <paramref name="slots"/> at once (null: on a cluster,
    /// whose workers this client does not know), at <paramref name="rate"/> seconds per multiply-add.
    /// </summary>
    public static string Line(IEnumerable<TrialConfig> pending, int? slots, double rate)
    {
        double[] seconds = pending.Select(c => TrialCost.MultiplyAdds(c) * rate).ToArray();
        return slots is int n
            ? $"estimated duration: about {Format(TrialCost.Makespan(seconds, n))} of training, {n} at a time, plus start-up and the report (approximate: from the trials' sizes and a short measurement on this machine; the progress bar refines it as trials finish)"
            : $"estimated work: about {Format(seconds.Sum())} on one core of this machine, shared among the cluster's workers (approximate; the progress bar refines it as trials finish)";
    }

    /// <summary>"45 s", "3 min 20 s", "2 h 5 min": two significant units are all an estimate deserves.</summary>
    public static string Format(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(1, Math.Round(seconds)));
        return t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes} min")
            : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Seconds} s");
    }
}
