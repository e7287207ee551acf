using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Backprop.Tests.Shared;
using Orleans.TestingHost;

namespace Backprop.Lab.Grains.Tests;

public sealed class LabMetricsTests : TempDirectory
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <summary>
    /// A sweep on two silos of one worker each: the meters count every trial leased, started and finished (by outcome),
    /// time each, and report each silo's workers. Other tests' clusters share the process and the meter, so only
    /// measurements tagged with this cluster's silos or this sweep count.
    /// </summary>
    [Fact]
    public async Task The_meters_count_every_trial_leased_and_finished_by_outcome_and_report_the_workers()
    {
        TrialConfig[] configs = Enumerable.Range(0, 6).Select(i => new TrialConfig
        {
            Depth = 2 + i % 3, Width = 8, Dataset = "teacher", Samples = 32, BatchSize = 16, Steps = 5, RecordEvery = 5, Seed = (ulong)i,
            LearningRate = i == 5 ? 1e4 : 0.01, // the last diverges
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(2, trialsPerSilo: 1);
        string sweepId = ClusterSweep.NewSweepId();
        var silos = cluster.Silos.Select(s => s.SiloAddress.ToString()).ToHashSet(StringComparer.Ordinal);
        var sums = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var capacity = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LabMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? silo = null, outcome = null, sweep = null;
            foreach (var (key, tag) in tags)
            {
                (silo, outcome, sweep) = key switch
                {
                    "silo" => ((string?)tag, outcome, sweep),
                    "outcome" => (silo, (string?)tag, sweep),
                    "sweep" => (silo, outcome, (string?)tag),
                    _ => (silo, outcome, sweep),
                };
            }
            if (!(silo is not null && silos.Contains(silo)) && sweep != sweepId)
            {
                return;
            }
            if (instrument.Name == "backprop_lab.workers.capacity" && silo is not null)
            {
                capacity[silo] = (int)value;
                return;
            }
            string name = instrument.Name + (outcome is null ? "" : "/" + outcome) + (instrument is Histogram<double> ? "/count" : "");
            sums.AddOrUpdate(name, instrument is Histogram<double> ? 1 : value, (_, v) => v + (instrument is Histogram<double> ? 1 : value));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var sink = new ClusterSweep.FileSink(Path);
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, configs, sink, new SweepSettings(MaxAttempts: 1, LeaseDuration: TimeSpan.FromSeconds(5), MaxInFlight: 4));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish");
        Assert.True(await sweep);
        listener.RecordObservableInstruments();

        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(6, saved.Count);
        Assert.Equal(saved.Count(r => r.Outcome == Outcome.Ok), sums.GetValueOrDefault("backprop_lab.trials.finished/ok"));
        Assert.Equal(saved.Count(r => r.Outcome == Outcome.Diverged), sums.GetValueOrDefault("backprop_lab.trials.finished/diverged"));
        Assert.Equal(1, sums.GetValueOrDefault("backprop_lab.trials.finished/diverged"));
        Assert.Equal(6, sums.GetValueOrDefault("backprop_lab.trial.duration/ok/count") + sums.GetValueOrDefault("backprop_lab.trial.duration/diverged/count"));
        Assert.Equal(6, sums.GetValueOrDefault("backprop_lab.trials.started"));
        Assert.Equal(6, sums.GetValueOrDefault("backprop_lab.trials.leased")); // no lease expired, none was leased twice
        Assert.Equal(0, sums.GetValueOrDefault("backprop_lab.leases.expired"));
        Assert.Equal(silos.ToDictionary(s => s, _ => 1), capacity.ToDictionary(p => p.Key, p => p.Value));
    }
}
