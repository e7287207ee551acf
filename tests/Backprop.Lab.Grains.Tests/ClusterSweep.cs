using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Contracts;
using Backprop.Lab.Grains;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Backprop.Lab.Grains.Tests;

/// <summary>Real in-process Orleans clusters (TestingHost) and the real client of <c>lab sweep</c>.</summary>
internal static class ClusterSweep
{
    public static async Task<InProcessTestCluster> StartAsync(short silos, int trialsPerSilo, TimeSpan? responseTimeout = null, MemoryBudget? memoryBudget = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBackpropLab(trialsPerSilo, memoryBudget: memoryBudget);
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
        });
        if (responseTimeout is TimeSpan clientTimeout)
        {
            builder.ConfigureClient(c => c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = clientTimeout));
        }
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A view that records the largest number of results the SweepGrain held for the client, and the restarts.</summary>
    public sealed class RecordingView : ISweepView
    {
        public int MaxRetained { get; private set; }
        public int Restarts { get; private set; }
        public int Finished { get; private set; }

        public void TrialFinished(TrialResult result, long finished, long total) => Finished = (int)finished;

        public void Update(SweepCounts counts)
        {
            MaxRetained = Math.Max(MaxRetained, counts.Retained);
            Restarts = Math.Max(Restarts, counts.Restarts);
        }

        public void Message(string text)
        {
        }
    }

    /// <summary>Runs the trials through the cluster with the CLI's client, into a fresh results folder.</summary>
    public static Task<bool> Run(IClusterClient client, string directory, IReadOnlyList<Trial> trials, ISweepView view, SweepSettings settings, CancellationToken cancellation = default)
    {
        ResultsDirectory results = ResultsDirectory.Create(directory, "{}");
        results.EnsureSweepId("test");
        return new DistributedSweep(client, results, view, settings, TimeSpan.FromMinutes(1)).RunAsync(new TrialList(trials), cancellation);
    }

    public static IReadOnlyList<TrialResult> Saved(string directory) => ResultsDirectory.Open(directory).All();

    /// <summary>A line of trials.jsonl without its wall-clock seconds: what must match the in-process executor exactly.</summary>
    public static string WithoutTime(TrialResult r) => ResultFormat.ToJsonLine(r with { Seconds = 0 });

    public static Trial[] Trials(IEnumerable<TrialConfig> configs) => configs.Select(c => new Trial(c.Key(), c)).ToArray();
}
