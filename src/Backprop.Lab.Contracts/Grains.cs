using Orleans.Concurrency;

namespace Backprop.Lab.Contracts;

/// <summary>
/// The aggregator of one sweep (key: the sweep id). Owns the state of each trial submitted and not yet saved, starts trials
/// on ExperimentGrains, restarts the ones that fail or whose silo dies, counts each exactly once, and hands
/// results to the client, which acknowledges them once they are on disk.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds trials not already known (idempotent: known keys are left as they are) and starts work. The client submits a
    /// sweep a window at a time; <paramref name="last"/> says no trials follow these, so the sweep finishes once they have.
    /// </summary>
    Task Submit(IReadOnlyList<TrialSubmission> trials, SweepSettings settings, bool last);

    /// <summary>
    /// Drops results up to <paramref name="acknowledgedUpTo"/> (the client has them on disk) and returns progress with up
    /// to <paramref name="maxResults"/> results numbered above <paramref name="afterSequence"/> (those it has not seen).
    /// Both numbers count only within the activation named <paramref name="activation"/> (from an earlier
    /// <see cref="SweepProgress.Activation"/>; "" at first): a new activation may number results afresh, so for any
    /// other activation nothing is dropped and every held result is returned.
    /// </summary>
    Task<SweepProgress> Poll(string activation, long acknowledgedUpTo, long afterSequence, int maxResults);

    /// <summary>
    /// Returns once the sweep's <see cref="SweepProgress.Version"/> differs from <paramref name="version"/> (a trial
    /// finished, failed or was restarted), or after <paramref name="maxWait"/> (at most 5 s): a long poll, so the
    /// client hears of a result at once instead of at its next poll, and polls rarely while nothing happens.
    /// </summary>
    Task WaitForChange(long version, TimeSpan maxWait);

    /// <summary>
    /// The client has every result of a finished sweep on disk: the sweep's stored state is deleted (in Redis, where
    /// it would otherwise stay) and the grain deactivates. Ignored while the sweep is not finished.
    /// </summary>
    Task Release();

    /// <summary>An ExperimentGrain began training attempt <paramref name="attempt"/> on <paramref name="silo"/>.</summary>
    Task TrialStarted(string trialKey, int attempt, string silo);

    /// <summary>A running trial recorded a step (fire and forget: the trial never waits for it).</summary>
    [OneWay]
    Task Checkpoint(CheckpointReport report);

    /// <summary>A trial finished (with any outcome, including failed); repeated reports are ignored.</summary>
    Task TrialFinished(TrialOutcome outcome);
}

/// <summary>
/// One network configuration of one sweep (key: "sweepId/trialKey"). <see cref="Start"/> queues the training
/// on the silo's bounded trial pool and returns at once; the outcome is reported to the SweepGrain by a call,
/// so no grain call stays open while a trial trains.
/// </summary>
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the assignment unless this activation is already working on the trial (idempotent), and says where
    /// it runs and how many trials that silo trains at once.
    /// </summary>
    Task<StartReceipt> Start(TrialAssignment assignment);

    Task<ExperimentStatus> GetStatus();
}
