using System.Net;
using System.Security.Cryptography.X509Certificates;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Log = Serilog.Log;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>Where and how <c>lab sweep</c> runs its trials: the embedded silo (default), a running cluster, or in process.</summary>
internal sealed record SweepRun(int Parallel, bool InProcess, string[] Cluster, ClusterSettings Settings, int MaxAttempts, int ConnectTimeoutSeconds) : IAsyncDisposable
{
    private IReadOnlyList<IPEndPoint> _gateways = [];
    private IHost? _host;
    private Task? _stopped;

    public void Validate()
    {
        if (Parallel < 1)
        {
            throw new UserInputException($"--parallel must be at least 1, got {Parallel}");
        }
        if (MaxAttempts < 1)
        {
            throw new UserInputException($"--max-attempts must be at least 1, got {MaxAttempts}");
        }
        if (ConnectTimeoutSeconds < 1)
        {
            throw new UserInputException($"--connect-timeout must be at least 1 second, got {ConnectTimeoutSeconds}");
        }
        if (InProcess && Cluster.Length > 0)
        {
            throw new UserInputException("--in-process and --cluster exclude each other: --in-process runs every trial in this process, --cluster on the silos at those gateways");
        }
        if (InProcess && RedisFlag)
        {
            throw new UserInputException("--in-process and --redis exclude each other: --in-process runs every trial in this process, --redis on the silos of the cluster in Redis");
        }
        if (Cluster.Length > 0 && Settings.Redis is not null)
        {
            throw new UserInputException("give --cluster (gateways) or --redis (membership), not both");
        }
        _gateways = Cluster.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(c => Endpoints.Parse(c, "--cluster")).ToArray();
        if (BudgetFlag && OnCluster)
        {
            throw new UserInputException("--memory-budget applies where trials run: on a cluster, give it to each `lab silo`");
        }
        if (ParallelFlag && OnCluster)
        {
            throw new UserInputException("-j/--parallel applies where trials run: on a cluster, give it to each `lab silo`");
        }
    }

    /// <summary>
    /// Refuses (exit 2) trials whose largest, times the <see cref="Parallel"/> that run at once here, would not fit in
    /// <see cref="Budget"/>; the largest is found among <see cref="SweepGrid.MemoryCandidates"/>, not by estimating every trial. On a cluster each silo checks every trial against its own budget as it starts it.
    /// </summary>
    public void CheckMemory(SweepGrid grid)
    {
        if (!OnCluster && Budget.Refusal(grid.MemoryCandidates(), Parallel, "--parallel", trialCount: grid.Count) is string refusal)
        {
            throw new UserInputException(refusal);
        }
    }

    /// <summary>--redis was given on the command line (not only configured), which --in-process refuses.</summary>
    public bool RedisFlag { get; init; }

    /// <summary>What the trials run at once here (in process or on the embedded silo) may take together.</summary>
    public MemoryBudget Budget { get; init; } = MemoryBudget.Default();

    /// <summary>--memory-budget was given, which a sweep on a running cluster refuses (the silos' budgets apply).</summary>
    public bool BudgetFlag { get; init; }

    /// <summary>-j was given, which a sweep on a running cluster refuses: each silo's own -j sets how many of its trials run at once.</summary>
    public bool ParallelFlag { get; init; }

    // --in-process wins over a Redis configured in the environment or appsettings.json.
    public bool OnCluster => !InProcess && (_gateways.Count > 0 || Settings.Redis is not null);

    public string Describe() => InProcess ? $"in process, {Parallel} at a time"
        : OnCluster && Settings.Redis is not null ? $"on the cluster in Redis {Settings.Redis}"
        : _gateways.Count > 0 ? $"on the cluster at {string.Join(", ", _gateways)}"
        : $"on the embedded localhost silo, {Parallel} at a time";

    public async Task<bool> RunDistributedAsync(ITrialSequence grid, ResultsDirectory results, ISweepView view, TimeSpan saveTimeout, CancellationToken cancellation)
    {
        if (Settings.Insecure)
        {
            view.Message(ClusterSettings.InsecureWarning);
        }
        // The embedded silo is joined by no other process: a certificate of this process alone shuts out everyone else.
        X509Certificate2? certificate = OnCluster || Settings.TlsCertificate is not null || Settings.Insecure
            ? Settings.LoadTlsCertificate(view.Message)
            : ClusterCertificate.Ephemeral();
        IHost host = OnCluster
            ? OrleansHosts.Client(Settings, certificate, _gateways)
            : OrleansHosts.Embedded(Parallel, certificate, Budget);
        try
        {
            await StartAsync(host, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            host.Dispose();
            return false; // Ctrl+C while the silo or client started: nothing ran, nothing to save
        }
        catch
        {
            host.Dispose();
            throw;
        }
        _host = host;
        try
        {
            var client = host.Services.GetRequiredService<IClusterClient>();
            // Workers lease a trial only when they have a free thread, so the silos' workers set how many run at once;
            // the cap only matters for a cluster with more than this many.
            var settings = SweepSettings.Default with { MaxAttempts = MaxAttempts };
            var sink = new ResultsSink(results, view, grid, MaxAttempts, saveTimeout);
            if (sink.AllSaved)
            {
                return true; // everything is on disk already
            }
            ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SweepClient>();
            bool complete = await new SweepClient(client, results.SweepId, settings, logger).RunAsync(sink.Unsaved(), sink, cancellation);
            if (!complete && !results.TrySave())
            {
                throw new ResultsNotSavedException(results);
            }
            return complete;
        }
        finally
        {
            // Every result is on disk by now: the silo (or client) stops while the caller draws the report, and
            // DisposeAsync waits for it.
            _stopped = host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Waits for the host started by <see cref="RunDistributedAsync"/> to stop, then disposes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is null)
        {
            return;
        }
        try
        {
            await (_stopped ?? _host.StopAsync(CancellationToken.None));
        }
        catch (Exception e)
        {
            Log.Warning(e, "Stopping the Orleans host failed");
        }
        _host.Dispose();
        _host = null;
    }

    /// <summary>Starts the host; a cluster that cannot be reached is reported with the addresses tried, within the timeout.</summary>
    private async Task StartAsync(IHost host, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(ConnectTimeoutSeconds));
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (OnCluster && !cancellation.IsCancellationRequested)
        {
            Log.Debug(e, "Connecting to the cluster failed");
            string where = Settings.Redis is not null ? $"in Redis {Settings.Redis}" : $"at {string.Join(", ", _gateways)}";
            throw new ClusterUnavailableException(
                $"could not reach the cluster {where} (ClusterId \"{Settings.ClusterId}\", ServiceId \"{Settings.ServiceId}\") " +
                $"within {ConnectTimeoutSeconds} s{(e is OperationCanceledException ? "" : $" ({e.GetBaseException().Message.TrimEnd('.')})")}. " +
                (Settings.Redis is not null ? RedisMembership.Explain(Settings) : "Is `lab silo` running there with the same ids?") +
                (Settings.Insecure ? " (A silo started without --insecure refuses clients that do not present its cluster certificate.)"
                    : Settings.TlsCertificate is null ? $" (The silos accept only clients with their cluster certificate: is {ClusterCertificate.DefaultPath()} a copy of theirs? Or give theirs with --tls-cert.)"
                    : " (With --tls-cert, the silos must use the same certificate.)"));
        }
    }
}

/// <summary>The cluster given with --cluster could not be reached (exit code 5).</summary>
internal sealed class ClusterUnavailableException(string message) : Exception(message);
