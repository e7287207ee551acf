using Backprop.Lab.Contracts;

namespace Backprop.Lab.Grains;

public enum TrialStatus
{
    Pending,
    Running,
    Done,
    Failed,
}

/// <summary>One trial as the SweepGrain persists it: small, so the whole state can be written often.</summary>
[GenerateSerializer]
public sealed class TrialEntry
{
    [Id(0)] public string ConfigJson { get; set; } = "";
    [Id(1)] public TrialStatus Status { get; set; }

    /// <summary>Attempts started so far (failures and lost silos each use one).</summary>
    [Id(2)] public int Attempts { get; set; }

    [Id(4)] public string? Silo { get; set; }
}

/// <summary>
/// The SweepGrain's persisted state: every trial's status, and the results not yet acknowledged by the client
/// (the outbox). Per-trial checkpoints are never kept here; the outbox empties as the client saves results, so
/// the state stays small however long the sweep.
/// </summary>
[GenerateSerializer]
public sealed class SweepState
{
    [Id(0)] public Dictionary<string, TrialEntry> Trials { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public List<CompletedTrial> Outbox { get; set; } = [];
    [Id(2)] public long NextSequence { get; set; } = 1;
    [Id(3)] public SweepSettings Settings { get; set; } = SweepSettings.Default;
    [Id(4)] public int Restarts { get; set; }

    /// <summary>Submission order of the trials, so work starts in the order of the sweep file.</summary>
    [Id(5)] public List<string> Order { get; set; } = [];
}
