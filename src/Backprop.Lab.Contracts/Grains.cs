using Orleans.Concurrency;

namespace Backprop.Lab.Contracts;

/// <summary>
/// The aggregator of one sweep (key: the sweep id): a ledger of the trials submitted and not yet saved. Silos' workers
/// lease trials from it when they have a free slot, renew the leases while the trials train, and complete them; a lease
/// that is not renewed in time expires and its trial is leased again. The client streams the results (<see cref="Watch"/>)
/// and acknowledges those it has on disk.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds trials not already known (idempotent: known keys are left as they are). The client submits a sweep a window at
    /// a time; <paramref name="last"/> says no trials follow these, so the sweep finishes once they have.
    /// </summary>
    Task Submit(IReadOnlyList<TrialSubmission> trials, SweepSettings settings, bool last);

    /// <summary>Leases up to <paramref name="count"/> pending trials to <paramref name="worker"/> (none while the client is behind).</summary>
    Task<IReadOnlyList<TrialLease>> Lease(string worker, int count);

    /// <summary>Extends <paramref name="worker"/>'s lease of a trial and records its progress; false when the lease is no longer held.</summary>
    Task<bool> Renew(string worker, TrialProgress progress);

    /// <summary>
    /// A trial finished (any outcome, including failed). Idempotent on key and attempt: a trial is counted once, whichever
    /// attempt completes it first; a stale failure (its lease was given to another attempt) is ignored.
    /// </summary>
    Task Complete(string worker, string trialKey, int attempt, TrialOutcome outcome);

    /// <summary>
    /// Progress at once, then whenever something changes and at least every second, with the results not yet
    /// acknowledged: a new stream (after a break, or a new activation of this grain) starts with every one of them.
    /// </summary>
    IAsyncEnumerable<SweepNews> Watch(CancellationToken cancellation = default);

    /// <summary>The client has these results on disk: they leave the outbox, and their trials are forgotten but for their count.</summary>
    Task Acknowledge(IReadOnlyList<string> trialKeys);

    /// <summary>
    /// The client has every result of a finished sweep on disk: the sweep's stored state is deleted (in Redis, where it
    /// would otherwise stay) and the grain deactivates. Ignored while the sweep is not finished.
    /// </summary>
    Task Release();
}

/// <summary>
/// Where workers find work (key 0): the sweeps that have pending trials, announced by their SweepGrains every second
/// while they do. Held in memory only: a new activation hears of every open sweep within a second.
/// </summary>
public interface ISweepDirectory : IGrainWithIntegerKey
{
    Task Announce(string sweepId, bool hasPending);

    /// <summary>The sweeps with pending trials; when there are none, waits up to <paramref name="maxWait"/> for one.</summary>
    Task<IReadOnlyList<string>> Open(TimeSpan maxWait);
}

/// <summary>
/// One network configuration of one sweep (key: "sweepId/trialKey"), activated on the silo of the worker that leased it
/// for the life of the lease: it owns the configuration and the trial's progress, renews the lease (which keeps it active
/// however long the trial trains), and delivers the outcome to the SweepGrain until it is taken.
/// </summary>
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>The worker begins training the lease (idempotent for the attempt it holds).</summary>
    Task Begin(TrialLease lease, string worker);

    /// <summary>A recorded step of the running trial (fire and forget: the trial never waits for it).</summary>
    [OneWay]
    Task Progress(TrialProgress progress);

    /// <summary>The lease's attempt finished: returns at once, and the grain delivers the outcome to the SweepGrain.</summary>
    Task Finish(TrialLease lease, string worker, TrialOutcome outcome);
}
