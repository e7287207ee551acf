using System.Runtime.CompilerServices;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.Logging;

namespace Backprop.Lab.Grains;

/// <summary>
/// The aggregator of one sweep: a thin shell around its <see cref="SweepLedger"/>, which it writes within a quarter second
/// of each change and keeps announced in the <see cref="ISweepDirectory"/> while trials wait. Calls are not reentrant, so
/// each one's change to the ledger is whole; the client's stream and the timer interleave only at their awaits, and
/// writes run in the background, one at a time and at most every 250 ms (gathering the changes made meanwhile), so a slow
/// store (Redis restarting) delays no lease. After a restart from storage every lease gets a fresh term: workers keep renewing and completing through
/// the new activation, so no running trial is lost.
/// </summary>
public sealed class SweepGrain(
    [PersistentState("sweep", SweepGrain.StorageName)] IPersistentState<SweepLedger> state,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain
{
    public const string StorageName = "sweeps";

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    // Writes start at most this often: each one serializes the whole ledger (the window's configurations and the unsaved
    // results), and a write per lease and completion cost several percent of a sweep of short trials.
    private static readonly TimeSpan WriteEvery = TimeSpan.FromMilliseconds(250);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _writing = Task.CompletedTask; // the writer: a write, then a pause, while changes come
    private Task _write = Task.CompletedTask;
    private bool _dirty;
    private bool _released;
    private IGrainTimer? _timer;

    private SweepLedger Ledger => state.State;
    private string SweepId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Ledger.Extend(DateTime.UtcNow);
        return Ledger.Trials.Count > 0 ? OnTick(cancellationToken) : Task.CompletedTask; // starts the timer
    }

    public Task Submit(IReadOnlyList<TrialSubmission> trials, SweepSettings settings, bool last)
    {
        ArgumentNullException.ThrowIfNull(trials);
        int added = Ledger.Submit(trials, settings ?? SweepSettings.Default, last);
        logger.LogInformation("Sweep {SweepId}: {Added} trials submitted ({Known} known)", SweepId, added, trials.Count - added);
        Changed();
        return OnTick(CancellationToken.None); // announces the sweep now rather than at the next tick
    }

    public Task<IReadOnlyList<TrialLease>> Lease(string worker, int count, int spare)
    {
        List<TrialLease> leases = Ledger.Lease(SweepId, worker, count, DateTime.UtcNow, spare);
        if (leases.Count > 0)
        {
            LabMetrics.TrialsLeased.Add(leases.Count, LabMetrics.Sweep(SweepId));
            Changed();
        }
        return Task.FromResult<IReadOnlyList<TrialLease>>(leases);
    }

    // Not written: a restart from storage gives every lease a fresh term anyway.
    public Task<bool> Renew(string worker, TrialProgress progress) =>
        Task.FromResult(Ledger.Renew(worker, progress.TrialKey, progress.Attempt, progress.Step, DateTime.UtcNow));

    public Task Complete(string worker, string trialKey, int attempt, TrialOutcome outcome)
    {
        if (!Ledger.Complete(worker, trialKey, attempt, outcome))
        {
            return Task.CompletedTask; // a repeated outcome, or a stale failure
        }
        if (Ledger.Trials[trialKey].Status == TrialStatus.Pending)
        {
            logger.LogWarning("Sweep {SweepId}: trial {TrialKey} failed on attempt {Attempt}; retrying", SweepId, trialKey, attempt);
        }
        Changed();
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<SweepNews> Watch([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        for (long sent = 0; !cancellation.IsCancellationRequested;)
        {
            Task changed = _changed.Task;
            CompletedTrial[] fresh = [.. Ledger.Outbox.Where(c => c.Sequence > sent).Take(64)];
            sent = fresh.Length > 0 ? fresh[^1].Sequence : sent;
            yield return new SweepNews(Ledger.Counts(), fresh, Ledger.Running(), RuntimeIdentity, Ledger.Finished);
            if (fresh.Length < 64)
            {
                await Task.WhenAny(changed, Task.Delay(Tick, cancellation));
            }
        }
    }

    public Task Acknowledge(IReadOnlyList<string> trialKeys)
    {
        if (Ledger.Acknowledge(trialKeys) > 0)
        {
            Changed(); // room in the outbox again, and perhaps the end of the sweep
        }
        return Task.CompletedTask;
    }

    public async Task Release()
    {
        if (!Ledger.Finished || _released)
        {
            return;
        }
        _released = true; // no write may follow the delete and bring the state back
        _timer?.Dispose();
        await _write.ContinueWith(_ => { }, TaskScheduler.Current); // a write under way finishes before the delete
        await state.ClearStateAsync();
        logger.LogInformation("Sweep {SweepId}: every result is saved by the client; its stored state is deleted", SweepId);
        DeactivateOnIdle();
    }

    /// <summary>Wakes the streams and starts a write unless one is under way (which then writes again when it ends).</summary>
    private void Changed()
    {
        _changed.TrySetResult();
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _dirty = true;
        if (_writing.IsCompleted && !_released)
        {
            _writing = Persist();
        }
    }

    private async Task Persist()
    {
        while (_dirty && !_released)
        {
            _dirty = false;
            TimeSpan pause = WriteEvery;
            try
            {
                await (_write = state.WriteStateAsync());
            }
            catch (Exception e)
            {
                (_dirty, pause) = (true, Tick);
                logger.LogWarning("Sweep {SweepId}: writing the sweep state failed ({Error}); retrying", SweepId, e.GetBaseException().Message);
            }
            await Task.Delay(pause);
        }
    }

    /// <summary>Every second while the sweep has trials: expires leases not renewed in time, and announces the sweep.</summary>
    private async Task OnTick(CancellationToken cancellation)
    {
        _timer ??= this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions { DueTime = Tick, Period = Tick, Interleave = true, KeepAlive = true });
        foreach (string key in Ledger.Expire(DateTime.UtcNow))
        {
            LabMetrics.LeasesExpired.Add(1, LabMetrics.Sweep(SweepId));
            logger.LogWarning("Sweep {SweepId}: the lease of trial {TrialKey} expired; {What}", SweepId, key,
                Ledger.Trials[key].Status == TrialStatus.Failed ? $"lost {Ledger.Settings.MaxAttempts} times, it is marked failed" : "it is leased again");
            Changed();
        }
        try
        {
            await GrainFactory.GetGrain<ISweepDirectory>(0).Announce(SweepId, Ledger.HasPending);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Sweep {SweepId}: announcing it failed; trying again in a second", SweepId);
        }
    }
}
