using Orleans.Concurrency;

namespace Backprop.Lab.Contracts;

/// <summary>
/// The aggregator of one sweep (key: the sweep id): a ledger of the trials submitted and not yet saved. Workers lease
/// trials when they have a free thread, renew the leases while the trials train, and complete them; a lease not renewed in
/// time expires and its trial is leased again. The client streams the results and acknowledges those it has on disk.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Adds trials not already known (idempotent); <paramref name="last"/>: no trials follow these.</summary>
    Task Submit(IReadOnlyList<TrialSubmission> trials, SweepSettings settings, bool last);

    /// <summary>
    /// Leases up to <paramref name="count"/> pending trials to <paramref name="worker"/> (none while the client is behind), and
    /// up to <paramref name="spare"/> more to wait for a thread there while many trials are pending.
    /// </summary>
    Task<IReadOnlyList<TrialLease>> Lease(string worker, int count, int spare);

    /// <summary>Extends <paramref name="worker"/>'s lease of a trial and records its progress; false when it no longer holds it.</summary>
    Task<bool> Renew(string worker, TrialProgress progress);

    /// <summary>A trial finished. A result counts once, from whichever attempt brings it first; a failure only from the lease's holder.</summary>
    Task Complete(string worker, string trialKey, int attempt, TrialOutcome outcome);

    /// <summary>Progress at once, then on every change and every second; a new stream starts with every unacknowledged result.</summary>
    IAsyncEnumerable<SweepNews> Watch(CancellationToken cancellation = default);

    /// <summary>The client has these results on disk: they leave the outbox, and their trials are forgotten but for their count.</summary>
    Task Acknowledge(IReadOnlyList<string> trialKeys);

    /// <summary>The client has every result of a finished sweep on disk: the stored state is deleted and the grain deactivates.</summary>
    Task Release();
}

/// <summary>
/// Where workers find work (key 0): the sweeps with pending trials, announced by their SweepGrains every second while they
/// have some. In memory only: a new activation hears of every open sweep within a second.
/// </summary>
public interface ISweepDirectory : IGrainWithIntegerKey
{
    Task Announce(string sweepId, bool hasPending);

    /// <summary>The sweeps with pending trials; when there are none, waits up to <paramref name="maxWait"/> for one.</summary>
    Task<IReadOnlyList<string>> Open(TimeSpan maxWait);
}

/// <summary>
/// One network configuration of one sweep (key: "sweepId/trialKey") for the life of its lease, on the silo of the worker
/// that leased it: owns the configuration and the trial's progress, renews the lease (which keeps it active however long
/// the trial trains), and delivers the outcome to the SweepGrain until it is taken.
/// </summary>
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>The worker begins training the lease (idempotent for the attempt it holds).</summary>
    Task Begin(TrialLease lease, string worker);

    /// <summary>A recorded step of the running trial (fire and forget: the trial never waits for it).</summary>
    [OneWay]
    Task Progress(TrialProgress progress);

    /// <summary>The lease's attempt finished: returns at once, and the grain delivers the outcome.</summary>
    Task Finish(TrialLease lease, string worker, TrialOutcome outcome);
}
