using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Backprop.Lab.Grains.Tests;

/// <summary>Real in-process Orleans clusters (TestingHost) and the real cluster client, saving into a real file.</summary>
internal static class ClusterSweep
{
    public static async Task<InProcessTestCluster> StartAsync(short silos, int trialsPerSilo, TimeSpan? responseTimeout = null,
        MemoryBudget? memoryBudget = null, TimeSpan? collectionAge = null, Action<CancellationToken>? beforeTrial = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBackpropLab(trialsPerSilo, memoryBudget: memoryBudget, beforeTrial: beforeTrial);
            // Declare a killed silo dead within a few seconds instead of the production defaults.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            if (responseTimeout is TimeSpan t)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = t);
            }
            if (collectionAge is TimeSpan age)
            {
                silo.Configure<GrainCollectionOptions>(o => (o.CollectionQuantum, o.CollectionAge) = (age / 2, age));
            }
        });
        if (responseTimeout is TimeSpan clientTimeout)
        {
            builder.ConfigureClient(c => c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = clientTimeout));
        }
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>
    /// Saves results into a trials.jsonl file as the CLI does: each trial once (a result sent again is dropped by key, a
    /// success replaces a failure), written whole on every flush; records the progress it is shown.
    /// </summary>
    public sealed class FileSink(string directory) : ISweepSink
    {
        private readonly Dictionary<string, (bool Failed, string Line)> _kept = new(StringComparer.Ordinal);

        public string File { get; } = Path.Combine(directory, "trials.jsonl");

        /// <summary>Called with each result kept, and its number among the trials kept.</summary>
        public Action<TrialResult, int>? OnKept { get; init; }

        public int MaxRetained { get; private set; }
        public int Restarts { get; private set; }
        public int Kept => _kept.Count;

        public void Received(CompletedTrial result, TrialSubmission? submitted)
        {
            if (_kept.TryGetValue(result.TrialKey, out var kept) && (!kept.Failed || result.Failed))
            {
                return;
            }
            TrialResult parsed = result.ResultJson.Length > 0
                ? ResultFormat.FromJsonLine(result.ResultJson, out _) ?? throw new InvalidDataException(result.ResultJson)
                : TrialResult.FailedWith(result.TrialKey, TrialJson.ReadConfig(submitted!.ConfigJson), "lost", 0);
            _kept[result.TrialKey] = (result.Failed, ResultFormat.ToJsonLine(parsed));
            OnKept?.Invoke(parsed, _kept.Count);
        }

        public void Progress(SweepCounts counts) => (MaxRetained, Restarts) = (Math.Max(MaxRetained, counts.Retained), Math.Max(Restarts, counts.Restarts));

        public bool Flush()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            System.IO.File.WriteAllLines(File, _kept.Values.Select(k => k.Line));
            return true;
        }

        public IReadOnlyList<TrialResult> Saved() =>
            System.IO.File.ReadLines(File).Select(l => ResultFormat.FromJsonLine(l, out _)!).ToArray();
    }

    /// <summary>Runs the trials through the cluster with the real client, as sweep <paramref name="sweepId"/>.</summary>
    public static Task<bool> Run(IClusterClient client, string sweepId, IReadOnlyList<TrialConfig> trials, ISweepSink sink, SweepSettings settings, CancellationToken cancellation = default) =>
        new SweepClient(client, sweepId, settings, NullLogger.Instance).RunAsync(
            trials.Select(c => new SweepTrial(new TrialSubmission(c.Key(), TrialJson.Write(c)), c.EstimatedCost())), sink, cancellation);

    /// <summary>
    /// The sweep's progress now: the first item of a new stream. A test that sets a short response timeout can see this
    /// probe time out on a loaded machine; it is asked again (up to five times), as the probe is not what is tested.
    /// </summary>
    public static async Task<SweepNews> Snapshot(IClusterClient client, string sweepId)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await foreach (SweepNews news in client.GetGrain<ISweepGrain>(sweepId).Watch())
                {
                    return news;
                }
                throw new InvalidOperationException("the sweep's stream ended at once");
            }
            catch (TimeoutException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>A line of trials.jsonl without its wall-clock seconds: what must match the in-process executor exactly.</summary>
    public static string WithoutTime(TrialResult r) => ResultFormat.ToJsonLine(r with { Seconds = 0 });

    public static string NewSweepId() => "test-" + Guid.NewGuid().ToString("N");
}
