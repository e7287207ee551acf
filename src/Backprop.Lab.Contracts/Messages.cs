namespace Backprop.Lab.Contracts;

// Messages between the client, the SweepGrain and the ExperimentGrains. A trial's configuration and its full
// result travel as their JSON text (Backprop.Core's ResultFormat): the exact bytes the client writes to
// trials.jsonl, so distributed and in-process results are compared byte for byte and the contracts stay small.

/// <summary>A trial of a sweep: its stable key and its configuration as JSON.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialSubmission([property: Id(0)] string TrialKey, [property: Id(1)] string ConfigJson);

/// <summary>What an ExperimentGrain is asked to run: attempt n of one trial of one sweep.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialAssignment(
    [property: Id(0)] string SweepId,
    [property: Id(1)] string TrialKey,
    [property: Id(2)] string ConfigJson,
    [property: Id(3)] int Attempt);

/// <summary>
/// An ExperimentGrain's answer to Start: the silo the trial is queued on and how many trials that silo trains at
/// once, so the SweepGrain gives each silo exactly as many trials as it has free workers.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StartReceipt([property: Id(0)] SiloAddress Silo, [property: Id(1)] int Capacity);

/// <summary>Per-layer gradient magnitudes at one recorded step of a running trial.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointReport(
    [property: Id(0)] string TrialKey,
    [property: Id(1)] int Attempt,
    [property: Id(2)] int Step,
    [property: Id(3)] double Loss,
    [property: Id(4)] IReadOnlyList<double> GradNorms);

/// <summary>
/// A finished trial: its full result (one trials.jsonl line) and whether it failed (threw), which is all the SweepGrain
/// needs to know of it: a failure is retried, anything else is done. How it trained is in the result.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TrialOutcome(
    [property: Id(0)] string TrialKey,
    [property: Id(1)] int Attempt,
    [property: Id(5)] bool Failed,
    [property: Id(3)] string ResultJson,
    [property: Id(4)] string Silo);

/// <summary>
/// A result waiting for the client, numbered so the client can acknowledge what it has saved; <paramref name="Failed"/>
/// when the trial finally failed (its result is then empty if the trial was lost rather than thrown).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CompletedTrial(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string TrialKey,
    [property: Id(4)] bool Failed,
    [property: Id(3)] string ResultJson);

/// <summary>A trial in flight: where it runs and the last step it reported.</summary>
[GenerateSerializer, Immutable]
public sealed record RunningTrial(
    [property: Id(0)] string TrialKey,
    [property: Id(1)] int Attempt,
    [property: Id(2)] string? Silo,
    [property: Id(3)] int Step);

/// <summary>
/// Counts of the trials submitted to a sweep's SweepGrain by state; each trial is in exactly one of pending, running,
/// done, failed (done and failed include the trials whose results the client has saved and the grain forgot). How the done
/// trials trained (ok or diverged, and their regimes) is counted by the client from the results themselves.
/// <see cref="Training"/> of the running trials have a worker; the others wait in a silo's queue for one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepCounts(
    [property: Id(0)] long Total,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Running,
    [property: Id(3)] long Done,
    [property: Id(4)] long Failed,
    [property: Id(7)] int Restarts,
    [property: Id(8)] int Retained,
    [property: Id(9)] int Training);

/// <summary>The answer to a client's poll.</summary>
/// <param name="Counts">Trial counts.</param>
/// <param name="Completed">Results not yet acknowledged by the client, oldest first.</param>
/// <param name="Running">Trials in flight.</param>
/// <param name="SweepSilo">The silo hosting the SweepGrain (for tests and diagnostics).</param>
/// <param name="Finished">Every trial is done or finally failed and every result has been acknowledged.</param>
/// <param name="Version">Changes whenever a trial finishes, fails or is restarted (for <c>ISweepGrain.WaitForChange</c>);
/// it restarts from 0 when the SweepGrain is activated again.</param>
/// <param name="Activation">Names this activation of the SweepGrain: result numbers (and <paramref name="Version"/>) are
/// meaningful only within it.</param>
[GenerateSerializer, Immutable]
public sealed record SweepProgress(
    [property: Id(0)] SweepCounts Counts,
    [property: Id(1)] IReadOnlyList<CompletedTrial> Completed,
    [property: Id(2)] IReadOnlyList<RunningTrial> Running,
    [property: Id(3)] string SweepSilo,
    [property: Id(4)] bool Finished,
    [property: Id(5)] long Version = 0,
    [property: Id(6)] string Activation = "");

/// <summary>How a sweep is run.</summary>
/// <param name="MaxAttempts">Attempts per trial (a failure or a lost silo each use one) before it is marked failed.</param>
/// <param name="ProbeInterval">How often running trials are checked for a lost activation (a dead silo).</param>
/// <param name="MaxInFlight">At most this many trials in flight across the cluster; below it, each silo gets as many
/// as it has workers, and the rest wait in the SweepGrain.</param>
/// <param name="MaxRetained">Results the SweepGrain holds for the client before it stops starting trials until the
/// client has saved some: this, plus what is in flight, bounds the grain's memory whatever the sweep's size.</param>
[GenerateSerializer, Immutable]
public sealed record SweepSettings(
    [property: Id(0)] int MaxAttempts,
    [property: Id(1)] TimeSpan ProbeInterval,
    [property: Id(2)] int MaxInFlight,
    [property: Id(3)] int MaxRetained = 256)
{
    public static SweepSettings Default { get; } = new(3, TimeSpan.FromSeconds(5), 64);
}

/// <summary>What an ExperimentGrain activation is doing.</summary>
public enum ExperimentState
{
    /// <summary>Nothing: a fresh activation (for example after its silo died) or a finished one.</summary>
    Idle,

    /// <summary>Waiting for a slot in the silo's trial pool.</summary>
    Queued,

    /// <summary>Training.</summary>
    Running,

    /// <summary>Finished, delivering its outcome to the SweepGrain.</summary>
    Reporting,
}

[GenerateSerializer, Immutable]
public sealed record ExperimentStatus(
    [property: Id(0)] ExperimentState State,
    [property: Id(1)] int Attempt,
    [property: Id(2)] string Silo);
