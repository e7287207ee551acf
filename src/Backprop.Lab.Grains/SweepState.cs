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
/// The SweepGrain's persisted state: the status of each trial submitted and not yet saved by the client (waiting,
/// running, or finished with its result in the outbox), the results not yet acknowledged (the outbox), and counts of
/// the trials saved and forgotten. The client submits a window of trials at a time and the outbox empties as it saves,
/// so the state holds what runs and waits at once plus what is unsaved, however many trials the sweep has.
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

    /// <summary>Trials done, then saved by the client and forgotten here.</summary>
    [Id(6)] public long ForgottenDone { get; set; }

    /// <summary>Trials finally failed, then saved by the client and forgotten here.</summary>
    [Id(7)] public long ForgottenFailed { get; set; }

    /// <summary>The client has submitted its last trials: the sweep is finished once they are.</summary>
    [Id(8)] public bool AllSubmitted { get; set; }
}
