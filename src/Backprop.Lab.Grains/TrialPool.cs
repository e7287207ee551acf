using System.Collections.Concurrent;
using Backprop.Core.Experiments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backprop.Lab.Grains;

/// <summary>
/// The silo's bounded pool for training: <see cref="Capacity"/> dedicated worker threads (default one per core),
/// never the Orleans scheduler and never .NET thread-pool threads. Orleans runs its grains, messaging and
/// membership on the .NET thread pool; a trial that blocked a pool thread for seconds starved it (the silo logged
/// ".NET Thread Pool execution stalled" and reports waited for the pool to grow), which made trials in the
/// embedded silo about 20% slower than the same trials in process. Trials still queued or running when the silo
/// stops are cancelled.
/// </summary>
public sealed class TrialPool : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<TrialPool> _logger;
    private readonly TrialGate? _gate;
    private readonly Thread[] _workers;
    private int _queued;
    private int _running;
    private int _disposed;

    public TrialPool(TrialPoolOptions options, IHostApplicationLifetime lifetime, ILogger<TrialPool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifetime);
        Capacity = Math.Max(1, options.Capacity ?? Environment.ProcessorCount);
        Budget = options.MemoryBudget ?? MemoryBudget.Default();
        _logger = logger;
        _gate = options.Gate;
        _workers = new Thread[Capacity];
        for (int i = 0; i < Capacity; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"trial-pool-{i + 1}" };
            _workers[i].Start();
        }
        lifetime.ApplicationStopping.Register(Stop);
    }

    public int Capacity { get; }

    /// <summary>
    /// What the <see cref="Capacity"/> trials running at once may take together: a trial is started only when that many
    /// of it would fit (<see cref="RefusalOf"/>).
    /// </summary>
    public MemoryBudget Budget { get; }

    /// <summary>Why <paramref name="config"/> may not run on this silo (its memory, times the trials run at once, is over <see cref="Budget"/>), or null.</summary>
    public string? RefusalOf(TrialConfig config) =>
        Budget.Refusal(Enumerable.Repeat(config, Capacity), Capacity, "lab silo --parallel", "lab silo --memory-budget");

    public int Queued => Volatile.Read(ref _queued);

    public int Running => Volatile.Read(ref _running);

    /// <summary>Cancelled when the silo shuts down.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Queues <paramref name="work"/>; <paramref name="onStart"/> runs when it gets a worker. Returns at once; the
    /// returned task completes when the work has run (or was cancelled before it could).
    /// </summary>
    public Task Enqueue(Action<CancellationToken> work, Action? onStart = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem(work, onStart, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        try
        {
            _queue.Add(item, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            Interlocked.Decrement(ref _queued);
            _logger.LogInformation("Trial not queued: the silo is stopping");
            item.Done.TrySetResult();
        }
        return item.Done.Task;
    }

    private void Work()
    {
        try
        {
            foreach (WorkItem item in _queue.GetConsumingEnumerable(_stopping.Token))
            {
                Interlocked.Decrement(ref _queued);
                Interlocked.Increment(ref _running);
                try
                {
                    _gate?.Pass(_stopping.Token);
                    item.OnStart?.Invoke();
                    item.Work(_stopping.Token);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    _logger.LogInformation("Trial cancelled: the silo is stopping");
                }
                catch (Exception e)
                {
                    // The work reports its own failures; anything escaping is a bug, logged rather than killing the worker.
                    _logger.LogError(e, "A trial-pool work item threw");
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                    item.Done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Cancels running trials and completes the tasks of those never started.</summary>
    private void Stop()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        while (_queue.TryTake(out WorkItem? left))
        {
            Interlocked.Decrement(ref _queued);
            _logger.LogInformation("Trial cancelled: the silo is stopping");
            left.Done.TrySetResult();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Stop();
        _queue.CompleteAdding();
        bool allStopped = true;
        foreach (Thread worker in _workers)
        {
            allStopped &= worker.Join(TimeSpan.FromSeconds(5));
        }
        if (allStopped)
        {
            // A worker still inside a trial (it checks the token between steps) keeps using both.
            _stopping.Dispose();
            _queue.Dispose();
        }
    }

    private sealed record WorkItem(Action<CancellationToken> Work, Action? OnStart, TaskCompletionSource Done);
}

/// <summary>Options of <see cref="TrialPool"/>: <see cref="Capacity"/> null means one trial per core.</summary>
public sealed class TrialPoolOptions
{
    public int? Capacity { get; set; }

    /// <summary>When set, each trial waits for a permit before it starts (see <see cref="TrialGate"/>).</summary>
    public TrialGate? Gate { get; set; }

    /// <summary>The memory the pool's trials may take together; null: <see cref="MemoryBudget.Default"/>.</summary>
    public MemoryBudget? MemoryBudget { get; set; }
}
