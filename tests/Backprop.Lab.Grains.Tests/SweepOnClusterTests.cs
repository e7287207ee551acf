using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Commands;
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
        Trial[] trials = ClusterSweep.Trials(configs);
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(3, trialsPerSilo: 1);
        var view = new ClusterSweep.RecordingView();
        string output = System.IO.Path.Combine(Path, "out");
        var settings = new SweepSettings(MaxAttempts: 3, ProbeInterval: TimeSpan.FromSeconds(1), MaxInFlight: 6);
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, trials, view, settings);

        // Kill a silo that is running a trial and hosts neither the SweepGrain nor the membership primary.
        ISweepGrain grain = cluster.Client.GetGrain<ISweepGrain>(ResultsSweepId(output));
        string? killed = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (killed is null && DateTime.UtcNow < deadline && !sweep.IsCompleted)
        {
            SweepProgress p = await grain.Poll("", 0, 0, 0);
            InProcessSiloHandle? victim = cluster.Silos.Skip(1).FirstOrDefault(s =>
                s.SiloAddress.ToString() != p.SweepSilo && p.Running.Any(r => r.Silo == s.SiloAddress.ToString()));
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
        IReadOnlyList<TrialResult> saved = ClusterSweep.Saved(output);
        Assert.Equal(40, saved.Count);
        Assert.Equal(trials.Select(t => t.Key).Order(), saved.Select(r => r.Key).Order());
        Assert.True(view.Restarts >= 1, "no trial was restarted, so the kill did not hit running work");

        IReadOnlyList<TrialResult> local = await SweepExecutor.RunAsync(configs);
        var expected = local.ToDictionary(r => r.Key, ClusterSweep.WithoutTime);
        Assert.All(saved, r => Assert.Equal(expected[r.Key], ClusterSweep.WithoutTime(r)));
    }

    [Fact]
    public async Task Trials_go_only_to_free_workers_and_a_silo_that_joins_mid_sweep_takes_work_at_once()
    {
        // Two silos of two workers each and 30 trials of a few tenths of a second (0.27 s here; at 600 steps, 0.04 s,
        // the sweep was nearly over by the time the third silo joined); MaxInFlight is far above the
        // workers, so only the dispatch by free workers can keep the rest waiting in the SweepGrain.
        // (Pushed by placement, as before, all 30 went out at once.)
        TrialConfig[] configs = Enumerable.Range(0, 30).Select(i => new TrialConfig
        {
            Depth = 3, Width = 48, Activation = "tanh", SigmaW2 = 1, Seed = (ulong)i,
            Dataset = "teacher", Samples = 128, BatchSize = 64, Steps = 4000, RecordEvery = 100, LearningRate = 0.01,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(2, trialsPerSilo: 2);
        string output = System.IO.Path.Combine(Path, "out");
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, ClusterSweep.Trials(configs), new ClusterSweep.RecordingView(),
            new SweepSettings(MaxAttempts: 3, ProbeInterval: TimeSpan.FromSeconds(5), MaxInFlight: 64));
        ISweepGrain grain = cluster.Client.GetGrain<ISweepGrain>(ResultsSweepId(output));

        int mostOut = 0;
        SweepProgress p = await grain.Poll("", 0, 0, 0);
        while (p.Counts.Done < 4 && !sweep.IsCompleted)
        {
            mostOut = Math.Max(mostOut, p.Counts.Running);
            await Task.Delay(20);
            p = await grain.Poll("", 0, 0, 0);
        }
        Assert.InRange(mostOut, 1, 2 * (2 + SweepGrain.QueuedPerSilo)); // each silo's workers, and one waiting

        // A third silo joins while 20-odd trials wait: it is given trials while the first two are still busy.
        InProcessSiloHandle newcomer = await cluster.StartAdditionalSiloAsync();
        string newcomerName = newcomer.SiloAddress.ToString();
        bool newcomerRan = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!newcomerRan && !sweep.IsCompleted && DateTime.UtcNow < deadline)
        {
            p = await grain.Poll("", 0, 0, 0);
            mostOut = Math.Max(mostOut, p.Counts.Running);
            newcomerRan = p.Running.Any(r => r.Silo == newcomerName) && p.Counts.Pending > 0;
            await Task.Delay(20);
        }
        Assert.True(newcomerRan, "the silo that joined ran no trial while others still waited");
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish");
        Assert.True(await sweep);
        Assert.InRange(mostOut, 1, 3 * (2 + SweepGrain.QueuedPerSilo));
        Assert.Equal(30, ClusterSweep.Saved(output).Count);
    }

    [Fact]
    public async Task A_trial_longer_than_the_response_timeout_completes()
    {
        // Grain calls time out after one second here; the trial trains for several (about 5 s on a 2-core machine;
        // 400 steps take under a second, too short to outlast the timeout).
        var config = new TrialConfig { Depth = 6, Width = 96, Dataset = "teacher", Samples = 256, BatchSize = 128, Steps = 2000, RecordEvery = 100 };
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 1, responseTimeout: TimeSpan.FromSeconds(1));
        string output = System.IO.Path.Combine(Path, "out");
        // The client waits for results within half the response timeout, so a quiet wait is not taken for a lost
        // cluster (with a one-second wait, each wait here timed out and was retried as a lost contact).
        Assert.Equal(TimeSpan.FromSeconds(0.5), Backprop.Lab.Cli.Cluster.DistributedSweep.LongestWait(cluster.Client));
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, ClusterSweep.Trials([config]), new ClusterSweep.RecordingView(),
            new SweepSettings(3, TimeSpan.FromSeconds(1), 4));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the long trial never finished");
        Assert.True(await sweep);
        TrialResult result = Assert.Single(ClusterSweep.Saved(output));
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.True(result.Seconds > 1, $"the trial took {result.Seconds} s, not longer than the 1 s response timeout");
    }

    [Fact]
    public async Task Two_thousand_tiny_trials_through_one_sweep_grain_are_each_counted_once_in_bounded_memory()
    {
        TrialConfig[] configs = Enumerable.Range(0, 2000).Select(i => new TrialConfig
        {
            Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 0, Seed = (ulong)i,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 2);
        var view = new ClusterSweep.RecordingView();
        string output = System.IO.Path.Combine(Path, "out");
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, ClusterSweep.Trials(configs), view, new SweepSettings(3, TimeSpan.FromSeconds(5), 64));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "2000 tiny trials did not finish");
        Assert.True(await sweep);

        IReadOnlyList<TrialResult> saved = ClusterSweep.Saved(output);
        Assert.Equal(2000, saved.Count);
        Assert.Equal(2000, saved.Select(r => r.Key).Distinct().Count());
        Assert.Equal(2000, view.Finished);
        SweepProgress final = await cluster.Client.GetGrain<ISweepGrain>(ResultsSweepId(output)).Poll("", 0, 0, 0);
        // The client released the sweep once every result was saved: the grain holds nothing of it any more.
        Assert.Equal((0, 0), (final.Counts.Total, final.Counts.Retained));
        // The grain keeps only statuses; full results wait for the client and leave once saved, and it stops starting
        // trials while 256 wait: at most 256 + the 3 in flight are ever held, however many trials the sweep has.
        Assert.InRange(view.MaxRetained, 1, 256 + 2 + SweepGrain.QueuedPerSilo);
    }

    [Fact]
    public async Task A_trial_that_throws_is_retried_up_to_the_limit_then_failed_and_the_sweep_completes()
    {
        var good = new TrialConfig { Depth = 2, Width = 4, Dataset = "gaussian", Samples = 4, BatchSize = 4, Steps = 2 };
        var bad = good with { Activation = "no-such-activation" };
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(2, trialsPerSilo: 1);
        var view = new ClusterSweep.RecordingView();
        string output = System.IO.Path.Combine(Path, "out");
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, ClusterSweep.Trials([good, bad, good with { Seed = 1 }]), view,
            new SweepSettings(MaxAttempts: 3, ProbeInterval: TimeSpan.FromSeconds(1), MaxInFlight: 4));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep with a throwing trial did not finish");
        Assert.True(await sweep);
        IReadOnlyList<TrialResult> saved = ClusterSweep.Saved(output);
        Assert.Equal(3, saved.Count);
        TrialResult failed = saved.Single(r => r.Key == bad.Key());
        Assert.Equal(Outcome.Failed, failed.Outcome);
        Assert.Contains("no-such-activation", failed.Error);
        Assert.Equal(2, saved.Count(r => r.Outcome == Outcome.Ok));
        SweepProgress final = await cluster.Client.GetGrain<ISweepGrain>(ResultsSweepId(output)).Poll("", 0, 0, 0);
        Assert.Equal(0, final.Counts.Total); // released once the failure, like every result, was saved
    }

    [Fact]
    public async Task A_failure_sent_again_by_a_new_sweep_grain_activation_is_counted_and_saved_once()
    {
        // The failing trial is the costliest, so it goes first; six good trials keep the sweep going after it.
        var good = new TrialConfig { Depth = 2, Width = 16, Dataset = "teacher", Samples = 64, BatchSize = 32, Steps = 300 };
        var bad = good with { Activation = "no-such-activation", Steps = 3000 };
        Trial[] trials = ClusterSweep.Trials([bad, .. Enumerable.Range(0, 6).Select(i => good with { Seed = (ulong)i })]);
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 1);
        string output = System.IO.Path.Combine(Path, "out");
        // When the client sees the failure, and before it saves and acknowledges it, the SweepGrain goes away. Its next
        // activation starts from the stored state, which still holds the failure (or the trial as running, if the
        // state was not written since): either way the client hears of the failure a second time.
        var view = new DeactivatingView(cluster.Client, output, bad.Key());
        Task<bool> sweep = ClusterSweep.Run(cluster.Client, output, trials, view,
            new SweepSettings(MaxAttempts: 1, ProbeInterval: TimeSpan.FromSeconds(1), MaxInFlight: 2));
        Assert.True(await Task.WhenAny(sweep, Task.Delay(Limit)) == sweep, "the sweep did not finish after the SweepGrain was deactivated");
        Assert.True(await sweep);

        Assert.True(view.Deactivated, "the SweepGrain was never deactivated");
        Assert.Equal(Enumerable.Range(1, 7), view.Numbers); // each result numbered once, in order: none counted twice
        Assert.Equal(7, view.Keys.Distinct().Count());
        IReadOnlyList<TrialResult> saved = ClusterSweep.Saved(output);
        Assert.Equal(7, saved.Count);
        TrialResult failure = saved.Single(r => r.Key == bad.Key());
        Assert.Equal(Outcome.Failed, failure.Outcome);
        Assert.Contains("no-such-activation", failure.Error); // the first report, with the trial's own error, is kept
        Assert.Single(File.ReadLines(System.IO.Path.Combine(output, "trials.jsonl")), l => l.Contains(bad.Key(), StringComparison.Ordinal));
    }

    /// <summary>Records each result's number, and deactivates the SweepGrain when the given trial's result arrives.</summary>
    private sealed class DeactivatingView(IClusterClient client, string output, string trigger) : ISweepView
    {
        public List<int> Numbers { get; } = [];
        public List<string> Keys { get; } = [];
        public bool Deactivated { get; private set; }

        public void TrialFinished(TrialResult result, long finished, long total)
        {
            Numbers.Add((int)finished);
            Keys.Add(result.Key);
            if (result.Key == trigger && !Deactivated)
            {
                Deactivated = true;
                ISweepGrain grain = client.GetGrain<ISweepGrain>(ResultsSweepId(output));
                grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle().AsTask().GetAwaiter().GetResult();
            }
        }

        public void Update(SweepCounts counts)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    public async Task Results_are_numbered_per_activation_and_a_client_holding_other_numbers_loses_none()
    {
        TrialConfig[] configs = Enumerable.Range(0, 4).Select(i => new TrialConfig
        {
            Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 2, Seed = (ulong)i,
        }).ToArray();
        await using InProcessTestCluster cluster = await ClusterSweep.StartAsync(1, trialsPerSilo: 2);
        ISweepGrain grain = cluster.Client.GetGrain<ISweepGrain>("numbering-" + Guid.NewGuid().ToString("N"));
        await grain.Submit(configs.Select(c => new TrialSubmission(c.Key(), TrialJson.Write(c))).ToArray(), new SweepSettings(3, TimeSpan.FromSeconds(5), 8), last: true);

        // Wait as the client does: each wait ends when a trial finishes (or after at most a second).
        SweepProgress p = await grain.Poll("", 0, 0, 0);
        var deadline = DateTime.UtcNow + Limit;
        while (p.Counts.Done < 4 && DateTime.UtcNow < deadline)
        {
            await grain.WaitForChange(p.Version, TimeSpan.FromSeconds(1));
            p = await grain.Poll("", 0, 0, 0);
        }
        Assert.Equal(4, p.Counts.Done);
        Assert.Equal(4, p.Version); // one change per result, none for anything else in a sweep without failures
        Assert.False(string.IsNullOrEmpty(p.Activation));
        Assert.Equal(TimeSpan.FromSeconds(1), Backprop.Lab.Cli.Cluster.DistributedSweep.LongestWait(cluster.Client)); // default 30 s timeout

        // Numbers from another activation are ignored: nothing is dropped and everything held is sent.
        SweepProgress stranger = await grain.Poll("another-activation", long.MaxValue, long.MaxValue, 100);
        Assert.Equal(4, stranger.Completed.Count);
        Assert.Equal(4, stranger.Counts.Retained);
        Assert.False(stranger.Finished);

        // Within this activation: only results after the one given are sent, and acknowledged ones are dropped.
        long[] numbers = stranger.Completed.Select(c => c.Sequence).Order().ToArray();
        Assert.Equal(numbers[2..], (await grain.Poll(p.Activation, 0, numbers[1], 100)).Completed.Select(c => c.Sequence).Order());
        SweepProgress done = await grain.Poll(p.Activation, numbers[^1], 0, 100);
        Assert.Empty(done.Completed);
        Assert.Equal(0, done.Counts.Retained);
        Assert.True(done.Finished);
        await grain.WaitForChange(done.Version, TimeSpan.FromSeconds(5)); // returns: a finished sweep has nothing to wait for
    }

    private static string ResultsSweepId(string directory)
    {
        string file = System.IO.Path.Combine(directory, ".sweep-id");
        for (int i = 0; i < 200 && !File.Exists(file); i++)
        {
            Thread.Sleep(10);
        }
        return File.ReadAllText(file).Trim();
    }
}
