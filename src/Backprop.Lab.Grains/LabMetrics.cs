using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Grains;

/// <summary>
/// The lab's metrics on the meter <see cref="MeterName"/>, read by <c>dotnet-counters</c> or exported by <c>lab silo
/// --metrics</c> beside Orleans' own (docs/cluster.md). A worker tags its measurements with its silo's address (<c>silo</c>,
/// so several silos in one process stay apart), a sweep with its id (<c>sweep</c>).
/// </summary>
public static class LabMetrics
{
    public const string MeterName = "Backprop.Lab";
    public const string OrleansMeterName = "Microsoft.Orleans";

    internal static readonly ConcurrentDictionary<TrialWorker, bool> Workers = new(); // the running workers (declared before the gauges that read it)
    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> TrialsLeased = Meter.CreateCounter<long>(
        "backprop_lab.trials.leased", "{trial}", "Trials leased to workers (a trial leased again after its lease expired counts again).");

    public static readonly Counter<long> LeasesExpired = Meter.CreateCounter<long>(
        "backprop_lab.leases.expired", "{lease}", "Leases that expired before their trial completed: a lost silo, or a worker too busy to renew.");

    public static readonly Counter<long> ResultsSaved = Meter.CreateCounter<long>(
        "backprop_lab.results.saved", "{trial}", "Results the client wrote to the results folder.");

    internal static readonly Counter<long> TrialsStarted = Meter.CreateCounter<long>(
        "backprop_lab.trials.started", "{trial}", "Trials a silo's worker began training.");

    private static readonly Counter<long> TrialsFinished = Meter.CreateCounter<long>(
        "backprop_lab.trials.finished", "{trial}", "Trials a silo's worker finished, by outcome: ok, diverged or failed.");

    private static readonly Histogram<double> TrialSeconds = Meter.CreateHistogram<double>(
        "backprop_lab.trial.duration", "s", "Seconds a finished trial trained, by outcome.");

    private static readonly ObservableGauge<int> Busy = Meter.CreateObservableGauge(
        "backprop_lab.workers.busy", () => Workers.Keys.Select(w => new Measurement<int>(w.Busy, Silo(w.Name))), "{worker}",
        "Training threads of a silo's worker with a trial leased.");

    private static readonly ObservableGauge<int> Capacity = Meter.CreateObservableGauge(
        "backprop_lab.workers.capacity", () => Workers.Keys.Select(w => new Measurement<int>(w.Capacity, Silo(w.Name))), "{worker}",
        "Training threads of a silo's worker (lab silo --parallel).");

    internal static KeyValuePair<string, object?> Silo(string silo) => new("silo", silo);
    public static KeyValuePair<string, object?> Sweep(string sweepId) => new("sweep", sweepId);

    internal static void Finished(TrialResult result, string silo)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", result.Outcome.ToString().ToLowerInvariant());
        TrialsFinished.Add(1, Silo(silo), outcome);
        TrialSeconds.Record(result.Seconds, Silo(silo), outcome);
    }

}
