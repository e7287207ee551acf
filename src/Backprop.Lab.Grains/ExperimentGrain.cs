using Backprop.Lab.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Placement;

namespace Backprop.Lab.Grains;

/// <summary>
/// Placed by its worker's call on the worker's silo. The worker's thread reports progress and outcome by grain calls, so
/// the state changes only on the grain's scheduler; a timer renews the lease (keeping the activation alive however long the
/// trial trains) and delivers the outcome. Nothing is persisted: if the silo dies the lease expires and the trial is leased
/// again, and any attempt gives the same bits.
/// </summary>
[PreferLocalPlacement]
public sealed class ExperimentGrain(ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain
{
    private TrialLease? _lease;
    private string _worker = "";
    private TrialProgress? _progress;
    private TrialOutcome? _outcome;
    private IGrainTimer? _timer;
    private bool _held;

    public Task Begin(TrialLease lease, string worker)
    {
        if (_lease?.Attempt != lease.Attempt || _worker != worker)
        {
            (_lease, _worker, _progress, _outcome, _held) = (lease, worker, new TrialProgress(lease.TrialKey, lease.Attempt, 0, double.NaN, []), null, true);
            StartTimer(lease);
        }
        return Task.CompletedTask;
    }

    public Task Progress(TrialProgress progress)
    {
        _progress = progress.Attempt == _lease?.Attempt && _outcome is null ? progress : _progress;
        return Task.CompletedTask;
    }

    public Task Finish(TrialLease lease, string worker, TrialOutcome outcome)
    {
        if (_lease?.Attempt != lease.Attempt)
        {
            if (_lease is not null && outcome.Failed)
            {
                return Task.CompletedTask; // an attempt this activation no longer holds: only its result could still count
            }
            (_lease, _worker) = (lease, worker);
        }
        _outcome ??= outcome;
        if (_timer is null)
        {
            StartTimer(lease);
        }
        _ = OnTick(CancellationToken.None); // deliver now (without holding up the worker's thread), and by the timer while that fails
        return Task.CompletedTask;
    }

    private void StartTimer(TrialLease lease)
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions { DueTime = lease.RenewEvery, Period = lease.RenewEvery, KeepAlive = true });
    }

    private async Task OnTick(CancellationToken cancellation)
    {
        ISweepGrain sweep = GrainFactory.GetGrain<ISweepGrain>(_lease!.SweepId);
        try
        {
            if (_outcome is { } outcome)
            {
                await sweep.Complete(_worker, _lease.TrialKey, _lease.Attempt, outcome);
                _timer?.Dispose();
                DeactivateOnIdle();
            }
            else if (_held && !await sweep.Renew(_worker, _progress!))
            {
                // The lease went to another attempt: this one's result still counts if it comes first; nothing more to renew.
                _held = false;
                logger.LogWarning("Trial {TrialKey} of sweep {SweepId}: attempt {Attempt} lost its lease", _lease.TrialKey, _lease.SweepId, _lease.Attempt);
            }
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Trial {TrialKey} of sweep {SweepId}: reaching the sweep failed (its silo died?); the timer tries again", _lease.TrialKey, _lease.SweepId);
        }
    }
}
