using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Placement;

namespace Backprop.Lab.Grains;

/// <summary>
/// Owns one network configuration of one sweep and trains it with the shared core on the silo's
/// <see cref="TrialPool"/>. Holds no persistent state: a lost activation (its silo died) is noticed by the
/// SweepGrain's probe (a fresh activation reports <see cref="ExperimentState.Idle"/>) and started again
/// elsewhere; trials are deterministic, so any attempt gives the same bits.
/// The SweepGrain chooses the silo (one with a free worker) through Orleans' placement hint, which every built-in
/// placement director honours; without a hint (a probe of a lost trial), the silo with the fewest activations.
/// </summary>
[ActivationCountBasedPlacement]
public sealed class ExperimentGrain(TrialPool pool, IGrainFactory grains, ILocalSiloDetails local, ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain
{
    private const long CheckpointInterval = 500; // ms

    private volatile ExperimentState _state = ExperimentState.Idle;
    private int _attempt;

    private string Silo => RuntimeIdentity;

    public Task<StartReceipt> Start(TrialAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var receipt = new StartReceipt(local.SiloAddress, pool.Capacity);
        if (_state != ExperimentState.Idle)
        {
            return Task.FromResult(receipt); // already working on this trial: Start is idempotent
        }
        _attempt = assignment.Attempt;
        _state = ExperimentState.Queued;
        string silo = Silo;
        ISweepGrain sweep = grains.GetGrain<ISweepGrain>(assignment.SweepId);
        logger.LogDebug("Trial {TrialKey} of sweep {SweepId} queued (attempt {Attempt}) on {Silo}", assignment.TrialKey, assignment.SweepId, assignment.Attempt, silo);
        _ = pool.Enqueue(
            cancellation => Train(assignment, sweep, silo, cancellation),
            onStart: () =>
            {
                _state = ExperimentState.Running;
                _ = Deliver(() => sweep.TrialStarted(assignment.TrialKey, assignment.Attempt, silo), assignment, "start");
            });
        return Task.FromResult(receipt);
    }

    public Task<ExperimentStatus> GetStatus()
    {
        if (_state == ExperimentState.Idle && _attempt == 0)
        {
            // Created by this probe (the trial's silo died): go away, so that the restart is placed where the
            // SweepGrain chooses rather than wherever the probe landed.
            DeactivateOnIdle();
        }
        return Task.FromResult(new ExperimentStatus(_state, _attempt, Silo));
    }

    /// <summary>Runs on a pool thread, off the Orleans scheduler: only thread-safe members and grain calls here.</summary>
    private void Train(TrialAssignment assignment, ISweepGrain sweep, string silo, CancellationToken cancellation)
    {
        TrialResult result;
        try
        {
            TrialConfig config = TrialJson.ReadConfig(assignment.ConfigJson);
            if (pool.RefusalOf(config) is string refusal)
            {
                logger.LogWarning("Trial {TrialKey} of sweep {SweepId} refused: {Reason}", assignment.TrialKey, assignment.SweepId, refusal);
                result = TrialResult.FailedWith(assignment.TrialKey, config, refusal, 0);
            }
            else
            {
                result = Run(config, assignment, sweep, cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            _state = ExperimentState.Idle;
            return;
        }
        catch (OutOfMemoryException)
        {
            TrialConfig config = TrialJson.TryReadConfig(assignment.ConfigJson);
            logger.LogWarning("Trial {TrialKey} of sweep {SweepId} ran out of memory on attempt {Attempt}", assignment.TrialKey, assignment.SweepId, assignment.Attempt);
            result = TrialResult.FailedWith(assignment.TrialKey, config, TrialMemory.OutOfMemory(config), 0);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Trial {TrialKey} of sweep {SweepId} threw on attempt {Attempt}", assignment.TrialKey, assignment.SweepId, assignment.Attempt);
            result = TrialResult.FailedWith(assignment.TrialKey, TrialJson.TryReadConfig(assignment.ConfigJson), e, 0);
        }
        Report(assignment, sweep, silo, result);
    }

    private TrialResult Run(TrialConfig config, TrialAssignment assignment, ISweepGrain sweep, CancellationToken cancellation)
    {
        // Checkpoints only show progress and liveness (the full statistics travel with the result), so at most
        // two a second are sent: a short trial recording every step would otherwise make a call per step.
        long lastSent = long.MinValue;
        return TrialRunner.Run(config, checkpoint =>
        {
            long now = Environment.TickCount64;
            if (now - lastSent < CheckpointInterval)
            {
                return;
            }
            lastSent = now;
            var report = new CheckpointReport(assignment.TrialKey, assignment.Attempt, checkpoint.Step, checkpoint.Loss,
                checkpoint.Layers.Select(l => l.GradWNorm).ToArray());
            _ = ObserveOneWay(sweep.Checkpoint(report));
        }, cancellation);
    }

    private void Report(TrialAssignment assignment, ISweepGrain sweep, string silo, TrialResult result)
    {
        _state = ExperimentState.Reporting;
        logger.LogInformation("Trial {TrialKey} of sweep {SweepId} finished: {Outcome} in {Seconds:0.00} s on {Silo}",
            assignment.TrialKey, assignment.SweepId, result.Outcome, result.Seconds, silo);
        var outcome = new TrialOutcome(assignment.TrialKey, assignment.Attempt, result.Outcome == Outcome.Failed, ResultFormat.ToJsonLine(result), silo);
        Deliver(() => sweep.TrialFinished(outcome), assignment, "outcome").ContinueWith(_ => _state = ExperimentState.Idle, TaskScheduler.Default);
    }

    private Task Deliver(Func<Task> call, TrialAssignment assignment, string what) =>
        OffSchedulerCalls.Deliver(call, logger, pool.Stopping, $"the {what} of trial {assignment.TrialKey} of sweep {assignment.SweepId}");

    private Task ObserveOneWay(Task call) => OffSchedulerCalls.Observe(call, logger);
}
