using System.Diagnostics.Metrics;
using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Backprop.Tests.Shared;
using Orleans.TestingHost;

namespace Backprop.Lab.Grains.Tests;

[Trait("Category", "Slow")]
public sealed class SweepOnClusterTests : TempDirectory
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Three_silos_one_killed_mid_sweep_every_trial_once_with_the_in_process_numbers()
    {
        // 40 trials of a few tenths of a second (0.1-0.45 s here), one at a time per silo, so the killed silo has work in hand.
        TrialConfig[] configs = Enumerable.Range(0, 40).Select(i => new TrialConfig
        {
            Depth = 2 + i % 4, Width = 48, Activation = i % 2 == 0 ? "tanh" : "relu", SigmaW2 = 0.5 + 0.1 * i,
            Dataset = "teacher", Samples = 128, BatchSize = 64, Steps = 3000, RecordEvery = 100, LearningRate = 0.01,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(3, trialsPerSilo: 1);
        var sink = new ClusterSweep.FileSink(Path);
        string sweepId = ClusterSweep.NewSweepId();
        var settings = new SweepSettings(MaxAttempts: 3, LeaseDuration: TimeSpan.FromSeconds(2), MaxInFlight: 6);
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, configs, sink, settings);

        // Kill a silo that holds a lease and hosts neither the SweepGrain nor the membership primary.
        string? killed = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (killed is null && DateTime.UtcNow < deadline && !sweep.IsCompleted)
        {
            SweepNews p = await ClusterSweep.Snapshot(cluster.Client, sweepId);
            InProcessSiloHandle? victim = cluster.Silos.Skip(1).FirstOrDefault(s =>
                s.SiloAddress.ToString() != p.SweepSilo && p.Running.Any(r => r.Worker == s.SiloAddress.ToString()));
            if (victim is not null)
            {
                killed = victim.SiloAddress.ToString();
                await cluster.KillSiloAsync(victim);
            }
            else
            {
                await Task.Delay(50);
            }
        }
        Assert.NotNull(killed);

        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish after a silo was killed");
        Assert.True(await sweep);
        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(40, saved.Count);
        Assert.Equal(configs.Select(c => c.Key()).Order(), saved.Select(r => r.Key).Order());
        Assert.True(sink.Restarts >= 1, "no lease expired, so the kill did not hit leased work");

        IReadOnlyList<TrialResult> local = await SweepExecutor.RunAsync(configs);
        var expected = local.ToDictionary(r => r.Key, ClusterSweep.WithoutTime);
        Assert.All(saved, r => Assert.Equal(expected[r.Key], ClusterSweep.WithoutTime(r)));
    }

    [Fact]
    public async Task Trials_are_leased_only_to_free_workers_and_a_silo_that_joins_mid_sweep_takes_work_at_once()
    {
        // Two silos of two workers each and 30 trials of a few tenths of a second (0.27 s here); MaxInFlight is far above
        // the workers, so only leasing by free threads (and one spare per silo) can keep the rest pending in the SweepGrain.
        TrialConfig[] configs = Enumerable.Range(0, 30).Select(i => new TrialConfig
        {
            Depth = 3, Width = 48, Activation = "tanh", SigmaW2 = 1, Seed = (ulong)i,
            Dataset = "teacher", Samples = 128, BatchSize = 64, Steps = 4000, RecordEvery = 100, LearningRate = 0.01,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(2, trialsPerSilo: 2);
        string sweepId = ClusterSweep.NewSweepId();
        var sink = new ClusterSweep.FileSink(Path);
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, configs, sink, new SweepSettings(3, TimeSpan.FromSeconds(5), MaxInFlight: 64));

        int mostOut = 0;
        SweepNews p = await ClusterSweep.Snapshot(cluster.Client, sweepId);
        while (p.Counts.Done < 4 && !sweep.IsCompleted)
        {
            mostOut = Math.Max(mostOut, p.Counts.Leased);
            p = await ClusterSweep.Snapshot(cluster.Client, sweepId);
        }
        Assert.InRange(mostOut, 1, 2 * (2 + 1)); // each silo's threads, and one spare waiting

        // A third silo joins while 20-odd trials wait: it leases trials while the first two are still busy.
        InProcessSiloHandle newcomer = await cluster.StartAdditionalSiloAsync();
        string newcomerName = newcomer.SiloAddress.ToString();
        bool newcomerRan = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!newcomerRan && !sweep.IsCompleted && DateTime.UtcNow < deadline)
        {
            p = await ClusterSweep.Snapshot(cluster.Client, sweepId);
            mostOut = Math.Max(mostOut, p.Counts.Leased);
            newcomerRan = p.Running.Any(r => r.Worker == newcomerName) && p.Counts.Pending > 0;
        }
        Assert.True(newcomerRan, "the silo that joined leased no trial while others still waited");
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish");
        Assert.True(await sweep);
        Assert.InRange(mostOut, 1, 3 * (2 + 1));
        Assert.Equal(30, sink.Saved().Count);
    }

    [Fact]
    public async Task A_trial_leased_for_longer_than_the_collection_age_and_the_response_timeout_completes_once()
    {
        // Idle activations are collected after 1.5 s and grain calls time out after one. The trial's lease (3 s, renewed
        // every second) is held at a gate before it trains for longer than a collection, an expiry and the check for it
        // take (at most 1.5 + 0.75 s, 3 s and 1 s): its ExperimentGrain, which receives no call meanwhile, must stay active
        // and keep renewing the lease, or the lease would expire and the trial be leased again.
        using var gate = new ManualResetEventSlim();
        TimeSpan collectionAge = TimeSpan.FromSeconds(1.5);
        var config = new TrialConfig { Depth = 3, Width = 16, Dataset = "teacher", Samples = 64, BatchSize = 32, Steps = 200, RecordEvery = 50 };
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 1,
            responseTimeout: TimeSpan.FromSeconds(1), collectionAge: collectionAge, beforeTrial: gate.Wait);
        using var starts = new StartCounter(cluster.Silos[0].SiloAddress.ToString());
        var sink = new ClusterSweep.FileSink(Path);
        string sweepId = ClusterSweep.NewSweepId();
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, [config], sink, new SweepSettings(3, LeaseDuration: TimeSpan.FromSeconds(3), 4));

        SweepNews news = await ClusterSweep.Snapshot(cluster.Client, sweepId);
        for (var deadline = DateTime.UtcNow + Limit; news.Counts.Leased == 0 && DateTime.UtcNow < deadline;)
        {
            news = await ClusterSweep.Snapshot(cluster.Client, sweepId);
        }
        Assert.Equal(1, news.Counts.Leased);
        var held = System.Diagnostics.Stopwatch.StartNew();
        while (held.Elapsed < TimeSpan.FromSeconds(8))
        {
            news = await ClusterSweep.Snapshot(cluster.Client, sweepId);
            Assert.Equal((1, 0), (news.Counts.Leased, news.Counts.Restarts)); // the lease stays renewed throughout
        }
        gate.Set();

        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the trial never finished");
        Assert.True(await sweep);
        Assert.Equal(Outcome.Ok, Assert.Single(sink.Saved()).Outcome);
        Assert.Equal(1, starts.Count); // trained once
        Assert.Equal(0, sink.Restarts);
    }

    [Fact]
    public async Task Two_thousand_tiny_trials_through_one_sweep_grain_are_each_counted_once_in_bounded_memory()
    {
        TrialConfig[] configs = Enumerable.Range(0, 2000).Select(i => new TrialConfig
        {
            Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 0, Seed = (ulong)i,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 2);
        int kept = 0;
        var sink = new ClusterSweep.FileSink(Path) { OnKept = (_, n) => kept = n };
        string sweepId = ClusterSweep.NewSweepId();
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, configs, sink, new SweepSettings(3, TimeSpan.FromSeconds(5), 64));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "2000 tiny trials did not finish");
        Assert.True(await sweep);

        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(2000, saved.Count);
        Assert.Equal(2000, saved.Select(r => r.Key).Distinct().Count());
        Assert.Equal(2000, kept);
        SweepNews final = await ClusterSweep.Snapshot(cluster.Client, sweepId);
        // The client released the sweep once every result was saved: the grain holds nothing of it any more.
        Assert.Equal((0, 0), (final.Counts.Total, final.Counts.Retained));
        // The grain keeps only statuses; full results wait for the client and leave once saved, and it leases nothing
        // while 256 wait: at most 256 + the 3 leased (2 threads and a spare) are ever held, however many trials the sweep has.
        Assert.InRange(sink.MaxRetained, 1, 256 + 2 + 1);
    }

    [Fact]
    public async Task A_trial_that_throws_is_retried_up_to_the_limit_then_failed_and_the_sweep_completes()
    {
        var good = new TrialConfig { Depth = 2, Width = 4, Dataset = "gaussian", Samples = 4, BatchSize = 4, Steps = 2 };
        var bad = good with { Activation = "no-such-activation" };
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(2, trialsPerSilo: 1);
        var sink = new ClusterSweep.FileSink(Path);
        string sweepId = ClusterSweep.NewSweepId();
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, [good, bad, good with { Seed = 1 }], sink,
            new SweepSettings(MaxAttempts: 3, LeaseDuration: TimeSpan.FromSeconds(5), MaxInFlight: 4));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep with a throwing trial did not finish");
        Assert.True(await sweep);
        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(3, saved.Count);
        TrialResult failed = saved.Single(r => r.Key == bad.Key());
        Assert.Equal(Outcome.Failed, failed.Outcome);
        Assert.Contains("no-such-activation", failed.Error);
        Assert.Equal(2, saved.Count(r => r.Outcome == Outcome.Ok));
        Assert.Equal(2, sink.Restarts); // two attempts failed and were retried; the third failure is final
        Assert.Equal(0, (await ClusterSweep.Snapshot(cluster.Client, sweepId)).Counts.Total); // released once every result was saved
    }

    [Fact]
    public async Task A_failure_sent_again_by_a_new_sweep_grain_activation_is_saved_once()
    {
        // The failing trial is the costliest, so it goes first; six good trials keep the sweep going after it.
        var good = new TrialConfig { Depth = 2, Width = 16, Dataset = "teacher", Samples = 64, BatchSize = 32, Steps = 300 };
        var bad = good with { Activation = "no-such-activation", Steps = 3000 };
        TrialConfig[] configs = [bad, .. Enumerable.Range(0, 6).Select(i => good with { Seed = (ulong)i })];
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 1);
        string sweepId = ClusterSweep.NewSweepId();
        // When the client receives the failure, and before it saves and acknowledges it, the SweepGrain goes away. Its next
        // activation starts from the stored ledger, which holds the failure (or the trial as leased, if the write had not
        // happened yet: its worker then completes it there): either way the client receives the failure a second time.
        var numbers = new List<int>();
        bool deactivated = false;
        var sink = new ClusterSweep.FileSink(Path)
        {
            OnKept = (result, n) =>
            {
                numbers.Add(n);
                if (result.Key == bad.Key() && !deactivated)
                {
                    deactivated = true;
                    cluster.Client.GetGrain<ISweepGrain>(sweepId).Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle().AsTask().GetAwaiter().GetResult();
                }
            },
        };
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, sweepId, configs, sink, new SweepSettings(MaxAttempts: 1, LeaseDuration: TimeSpan.FromSeconds(5), MaxInFlight: 2));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish after the SweepGrain was deactivated");
        Assert.True(await sweep);

        Assert.True(deactivated, "the SweepGrain was never deactivated");
        Assert.Equal(Enumerable.Range(1, 7), numbers); // each trial kept once, in order: none counted twice
        IReadOnlyList<TrialResult> saved = sink.Saved();
        Assert.Equal(7, saved.Count);
        TrialResult failure = saved.Single(r => r.Key == bad.Key());
        Assert.Equal(Outcome.Failed, failure.Outcome);
        Assert.Contains("no-such-activation", failure.Error); // the trial's own error, not a lost lease
    }

    [Fact]
    public async Task A_new_stream_sends_every_unacknowledged_result_and_acknowledged_ones_are_forgotten()
    {
        TrialConfig[] configs = Enumerable.Range(0, 4).Select(i => new TrialConfig
        {
            Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 2, Seed = (ulong)i,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 2);
        ISweepGrain grain = cluster.Client.GetGrain<ISweepGrain>(ClusterSweep.NewSweepId());
        await grain.Submit(configs.Select(c => new TrialSubmission(c.Key(), TrialJson.Write(c))).ToArray(), new SweepSettings(3, TimeSpan.FromSeconds(5), 8), last: true);

        // One stream: each result arrives once, as the trials complete.
        var received = new List<CompletedTrial>();
        using var timeout = new CancellationTokenSource(Limit);
        await foreach (SweepNews news in grain.Watch(timeout.Token))
        {
            received.AddRange(news.Results);
            if (news.Counts.Done == 4 && news.Counts.Retained == received.Count)
            {
                break;
            }
        }
        Assert.Equal(configs.Select(c => c.Key()).Order(), received.Select(r => r.TrialKey).Order());
        Assert.Equal(received.Select(r => r.Sequence).Order(), received.Select(r => r.Sequence)); // oldest first

        // A second stream starts with everything not acknowledged; once two are acknowledged, a third has the other two.
        SweepNews again = await ClusterSweep.Snapshot(cluster.Client, grain.GetPrimaryKeyString());
        Assert.Equal(4, again.Results.Count);
        Assert.False(again.Finished);
        await grain.Acknowledge([received[0].TrialKey, received[1].TrialKey]);
        SweepNews rest = await ClusterSweep.Snapshot(cluster.Client, grain.GetPrimaryKeyString());
        Assert.Equal(received.Skip(2).Select(r => r.TrialKey), rest.Results.Select(r => r.TrialKey));
        Assert.Equal((4, 2, 4), (rest.Counts.Total, rest.Counts.Retained, rest.Counts.Done));
        await grain.Acknowledge([received[2].TrialKey, received[3].TrialKey]);
        Assert.True((await ClusterSweep.Snapshot(cluster.Client, grain.GetPrimaryKeyString())).Finished);
    }

    /// <summary>Counts the trials a silo's worker begins training (the lab's own metric, tagged with the silo).</summary>
    private sealed class StartCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public StartCounter(string silo)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == LabMetrics.MeterName && instrument.Name == "backprop_lab.trials.started")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "silo" && (string?)tag.Value == silo)
                    {
                        Interlocked.Add(ref _count, (int)value);
                    }
                }
            });
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
