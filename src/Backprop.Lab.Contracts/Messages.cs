namespace Backprop.Lab.Contracts;

// Messages between the client, the SweepGrain, the workers and the ExperimentGrains. A trial's configuration and its full
// result travel as their JSON text (Backprop.Core's ResultFormat): the exact bytes the client writes to trials.jsonl, so
// distributed and in-process results are compared byte for byte and the contracts stay small.

/// <summary>A trial of a sweep: its stable key and its configuration as JSON.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialSubmission([property: Id(0)] string TrialKey, [property: Id(1)] string ConfigJson);

/// <summary>Attempt <paramref name="Attempt"/> of one trial, leased to a worker until <paramref name="Expires"/> unless renewed.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialLease(
    [property: Id(0)] string SweepId, [property: Id(1)] string TrialKey, [property: Id(2)] string ConfigJson,
    [property: Id(3)] int Attempt, [property: Id(4)] DateTime Expires, [property: Id(5)] TimeSpan Duration)
{
    public string ExperimentKey => $"{SweepId}/{TrialKey}";

    /// <summary>Renewals come three times a lease, and at least every second so the progress display moves.</summary>
    public TimeSpan RenewEvery => Duration / 3 < TimeSpan.FromSeconds(1) ? Duration / 3 : TimeSpan.FromSeconds(1);
}

/// <summary>Where a leased trial has got to: the last recorded step, its loss and per-layer gradient norms.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialProgress(
    [property: Id(0)] string TrialKey, [property: Id(1)] int Attempt, [property: Id(2)] int Step,
    [property: Id(3)] double Loss, [property: Id(4)] IReadOnlyList<double> GradNorms);

/// <summary>A finished trial: its result (one trials.jsonl line) and whether it failed, which is retried; how it trained is in the result.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialOutcome([property: Id(0)] bool Failed, [property: Id(1)] string ResultJson);

/// <summary>
/// A result waiting for the client, numbered in the order results arrived; <paramref name="Failed"/> when the trial finally
/// failed (its result is then empty if the trial was lost rather than thrown).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CompletedTrial(
    [property: Id(0)] long Sequence, [property: Id(1)] string TrialKey, [property: Id(2)] bool Failed, [property: Id(3)] string ResultJson);

/// <summary>A leased trial: the worker (its silo) that holds it, and the last step it reported.</summary>
[GenerateSerializer, Immutable]
public sealed record RunningTrial([property: Id(0)] string TrialKey, [property: Id(1)] int Attempt, [property: Id(2)] string Worker, [property: Id(3)] int Step);

/// <summary>
/// The trials submitted to a sweep, by state: each is pending, leased (training, or waiting for its thread), done or
/// failed, and done and failed include those the client saved and the grain forgot. How done trials trained (ok or
/// diverged, their regimes) the client counts from the results. <paramref name="Restarts"/>: attempts that did not count
/// (expired leases, failures retried); <paramref name="Retained"/>: results waiting for the client's acknowledgement.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepCounts(
    [property: Id(0)] long Total, [property: Id(1)] int Pending, [property: Id(2)] int Leased, [property: Id(3)] long Done,
    [property: Id(4)] long Failed, [property: Id(5)] int Restarts, [property: Id(6)] int Retained);

/// <summary>
/// An item of <c>ISweepGrain.Watch</c>: counts, the results not yet sent on this stream (oldest first), the leased trials,
/// the SweepGrain's silo, and whether every trial is done or failed and every result acknowledged.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepNews(
    [property: Id(0)] SweepCounts Counts, [property: Id(1)] IReadOnlyList<CompletedTrial> Results,
    [property: Id(2)] IReadOnlyList<RunningTrial> Running, [property: Id(3)] string SweepSilo, [property: Id(4)] bool Finished);

/// <summary>
/// How a sweep is run: <paramref name="MaxAttempts"/> per trial (a failure or an expired lease each use one); a lease not
/// renewed for <paramref name="LeaseDuration"/> (its silo died) expires; at most <paramref name="MaxInFlight"/> leased; and
/// nothing more leased while <paramref name="MaxRetained"/> results wait for the client, which bounds the grain's memory.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepSettings(
    [property: Id(0)] int MaxAttempts, [property: Id(1)] TimeSpan LeaseDuration, [property: Id(2)] int MaxInFlight, [property: Id(3)] int MaxRetained = 256)
{
    public static SweepSettings Default { get; } = new(3, TimeSpan.FromSeconds(15), 1024);
}
