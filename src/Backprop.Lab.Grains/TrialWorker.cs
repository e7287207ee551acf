using System.Collections.Concurrent;
using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Backprop.Lab.Grains;

/// <summary>
/// A silo's worker: <see cref="Capacity"/> dedicated training threads (not the Orleans scheduler or the .NET thread pool,
/// which Orleans runs its messaging on) and a loop that leases trials from the open sweeps whenever a thread is free. Each
/// lease is handed to its ExperimentGrain on this silo, which renews it while the thread trains and delivers the outcome.
/// Trials under way when the silo stops are cancelled, and their leases expire.
/// </summary>
public sealed class TrialWorker : BackgroundService
{
    private const long ProgressInterval = 500; // ms between progress reports to the ExperimentGrain

    private readonly BlockingCollection<TrialLease> _queue = new();
    private readonly SemaphoreSlim _freed = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IGrainFactory _grains;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<TrialWorker> _logger;
    private readonly Action<CancellationToken>? _beforeTrial;
    private readonly TimeSpan _longestWait;
    private readonly MemoryBudget _budget; // what the trials running at once may take together
    private readonly Thread[] _threads;
    private int _busy;

    public TrialWorker(TrialPoolOptions options, IGrainFactory grains, ILocalSiloDetails local, IOptions<SiloMessagingOptions> messaging,
        IHostApplicationLifetime lifetime, ILogger<TrialWorker> logger)
    {
        Capacity = Math.Max(1, options.Capacity ?? Environment.ProcessorCount);
        _budget = options.MemoryBudget ?? MemoryBudget.Default();
        Name = local.SiloAddress.ToString();
        (_grains, _lifetime, _logger, _beforeTrial) = (grains, lifetime, logger, options.BeforeTrial);
        // A wait for work ends within half the calls' response timeout, so it is never taken for a lost directory.
        _longestWait = TimeSpan.FromTicks(Math.Min(messaging.Value.ResponseTimeout.Ticks / 2, TimeSpan.FromSeconds(5).Ticks));
        _threads = [.. Enumerable.Range(1, Capacity).Select(i => new Thread(Work) { IsBackground = true, Name = $"trial-worker-{i}" })];
    }

    public int Capacity { get; } // trials trained at once

    public string Name { get; } // in leases: the silo's address

    public int Busy => Volatile.Read(ref _busy); // trials leased and not yet finished

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Delay(Timeout.Infinite, _lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default); // grain calls need a running silo
        Array.ForEach(_threads, t => t.Start());
        LabMetrics.Workers[this] = true;
        IReadOnlyList<string> open = [];
        DateTime asked = DateTime.MinValue;
        for (int turn = 0; !stopping.IsCancellationRequested; turn++)
        {
            try
            {
                // A lease for each thread without a trial, and one spare waiting for a thread: it hides the round trip from a
                // finished trial to the next lease (tens of milliseconds when the sweep's silo has a busy core).
                int free = Math.Max(0, Capacity - Busy), spare = Capacity + 1 - Busy - free, leased = 0;
                // The directory is asked when the sweeps last asked had nothing, or every 5 s so that a new sweep shares the workers.
                if (free + spare > 0 && (open.Count == 0 || DateTime.UtcNow - asked > TimeSpan.FromSeconds(5)))
                {
                    (open, asked) = (await _grains.GetGrain<ISweepDirectory>(0).Open(_longestWait), DateTime.UtcNow);
                }
                for (int i = 0; i < open.Count && leased < free + spare; i++)
                {
                    int count = Math.Max(0, free - leased);
                    foreach (TrialLease lease in await _grains.GetGrain<ISweepGrain>(open[(turn + i) % open.Count]).Lease(Name, count, free + spare - leased - count))
                    {
                        _logger.LogInformation("Trial {TrialKey} of sweep {SweepId} leased (attempt {Attempt}) on {Silo}", lease.TrialKey, lease.SweepId, lease.Attempt, Name);
                        // Its grain renews the lease from now on, while it waits for a thread too.
                        await _grains.GetGrain<IExperimentGrain>(lease.ExperimentKey).Begin(lease, Name);
                        Interlocked.Increment(ref _busy);
                        _queue.Add(lease, stopping);
                        leased++;
                    }
                }
                bool nothing = free + spare > 0 && leased == 0; // no open sweep had anything to lease now (or the client is behind)
                open = nothing ? [] : open;
                if (free == 0 || nothing)
                {
                    await _freed.WaitAsync(free == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(250), stopping);
                }
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                open = [];
                _logger.LogDebug(e, "Leasing trials failed (a silo died and membership has not noticed yet?); trying again");
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // The silo is stopping: a lease taken just now expires.
            }
        }
    }

    private void Work()
    {
        // A trial too small to measure, on every thread before the first lease: the first trial of a sweep starts
        // without compiling the trainer and the result format (about 0.2 s on a fresh silo).
        var tiny = new TrialConfig { Width = 2, Depth = 1, Samples = 2, BatchSize = 2, Steps = 1 };
        ResultFormat.ToJsonLine(SweepExecutor.RunOne(TrialJson.ReadConfig(TrialJson.Write(tiny))));
        foreach (TrialLease lease in _queue.GetConsumingEnumerable())
        {
            try
            {
                _stopping.Token.ThrowIfCancellationRequested();
                Train(lease);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                _logger.LogInformation("Trial {TrialKey} cancelled: the silo is stopping", lease.TrialKey);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Handing trial {TrialKey} to its grain failed; its lease will expire", lease.TrialKey);
            }
            finally
            {
                Interlocked.Decrement(ref _busy);
                _freed.Release();
            }
        }
    }

    private void Train(TrialLease lease)
    {
        IExperimentGrain grain = _grains.GetGrain<IExperimentGrain>(lease.ExperimentKey);
        _beforeTrial?.Invoke(_stopping.Token);
        LabMetrics.TrialsStarted.Add(1, LabMetrics.Silo(Name));
        TrialResult result = Run(lease, grain);
        _logger.LogInformation("Trial {TrialKey} of sweep {SweepId} finished: {Outcome} in {Seconds:0.00} s on {Silo}",
            lease.TrialKey, lease.SweepId, result.Outcome, result.Seconds, Name);
        LabMetrics.Finished(result, Name);
        // The grain is on this silo: the call fails only while the silo stops, and then the lease expires.
        grain.Finish(lease, Name, new TrialOutcome(result.Outcome == Outcome.Failed, ResultFormat.ToJsonLine(result))).GetAwaiter().GetResult();
    }

    /// <summary>Trains the lease's configuration; a refusal, running out of memory or a throw is a failed result with its reason.</summary>
    private TrialResult Run(TrialLease lease, IExperimentGrain grain)
    {
        TrialConfig config;
        try
        {
            config = TrialJson.ReadConfig(lease.ConfigJson);
        }
        catch (Exception e)
        {
            return TrialResult.FailedWith(lease.TrialKey, new TrialConfig(), e, 0);
        }
        // Refused when its memory, times the trials run at once, is over the budget.
        if (_budget.Refusal(Enumerable.Repeat(config, Capacity), Capacity, "lab silo --parallel", "lab silo --memory-budget") is string refusal)
        {
            _logger.LogWarning("Trial {TrialKey} of sweep {SweepId} refused: {Reason}", lease.TrialKey, lease.SweepId, refusal);
            return TrialResult.FailedWith(lease.TrialKey, config, refusal, 0);
        }
        // Progress feeds only the display and the lease: at most two reports a second, not a call per recorded step.
        long lastSent = long.MinValue;
        return SweepExecutor.RunOne(config, _stopping.Token, checkpoint =>
        {
            if (Environment.TickCount64 - lastSent >= ProgressInterval)
            {
                lastSent = Environment.TickCount64;
                grain.Progress(new TrialProgress(lease.TrialKey, lease.Attempt, checkpoint.Step, checkpoint.Loss,
                    [.. checkpoint.Layers.Select(l => l.GradWNorm)])).ContinueWith(t => t.Exception, TaskScheduler.Default); // only for the display
            }
        });
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel(); // trials check for it between steps
        LabMetrics.Workers.TryRemove(this, out _);
        _queue.CompleteAdding();
        await base.StopAsync(cancellationToken);
        foreach (Thread thread in _threads.Where(t => t.IsAlive))
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>
/// Options of <see cref="TrialWorker"/>: trials trained at once (null: one per core), what each waits for before it starts
/// (a test's gate), and the memory they may take together (null: <see cref="MemoryBudget.Default"/>).
/// </summary>
public sealed record TrialPoolOptions(int? Capacity, Action<CancellationToken>? BeforeTrial, MemoryBudget? MemoryBudget);
