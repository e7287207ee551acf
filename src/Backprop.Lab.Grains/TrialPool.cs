using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backprop.Lab.Grains;

/// <summary>
/// The silo's bounded pool for training: at most <see cref="Capacity"/> trials run at once (default one per
/// core), on .NET thread-pool threads, never on the Orleans scheduler, so grain calls stay responsive while
/// the cores are busy. Trials still queued or running when the silo stops are cancelled.
/// </summary>
public sealed class TrialPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<TrialPool> _logger;
    private int _queued;
    private int _running;

    public TrialPool(TrialPoolOptions options, IHostApplicationLifetime lifetime, ILogger<TrialPool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = Math.Max(1, options.Capacity ?? Environment.ProcessorCount);
        _slots = new SemaphoreSlim(Capacity, Capacity);
        _logger = logger;
        lifetime.ApplicationStopping.Register(_stopping.Cancel);
    }

    public int Capacity { get; }

    public int Queued => Volatile.Read(ref _queued);

    public int Running => Volatile.Read(ref _running);

    /// <summary>Cancelled when the silo shuts down.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Queues <paramref name="work"/>; <paramref name="onStart"/> runs when it gets a slot. Returns at once; the
    /// returned task completes when the work has run (or was cancelled before it could).
    /// </summary>
    public Task Enqueue(Action<CancellationToken> work, Action? onStart = null)
    {
        Interlocked.Increment(ref _queued);
        return Task.Run(async () =>
        {
            bool entered = false;
            try
            {
                await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
                entered = true;
                Interlocked.Decrement(ref _queued);
                Interlocked.Increment(ref _running);
                onStart?.Invoke();
                work(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                _logger.LogInformation("Trial cancelled: the silo is stopping");
            }
            finally
            {
                if (entered)
                {
                    Interlocked.Decrement(ref _running);
                    _slots.Release();
                }
                else
                {
                    Interlocked.Decrement(ref _queued);
                }
            }
        });
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _slots.Dispose();
    }
}

/// <summary>Options of <see cref="TrialPool"/>: <see cref="Capacity"/> null means one trial per core.</summary>
public sealed class TrialPoolOptions
{
    public int? Capacity { get; set; }
}
