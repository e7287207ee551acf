using Backprop.Lab.Contracts;

namespace Backprop.Lab.Grains;

public enum TrialStatus
{
    Pending,
    Leased,
    Done,
    Failed,
}

/// <summary>One trial as the ledger holds it: small, so the whole ledger can be written on every change.</summary>
[GenerateSerializer]
public sealed class LedgerEntry
{
    [Id(0)] public string ConfigJson { get; set; } = "";
    [Id(1)] public TrialStatus Status { get; set; }

    /// <summary>Attempts leased so far (failures and expired leases each use one).</summary>
    [Id(2)] public int Attempts { get; set; }

    [Id(3)] public string Worker { get; set; } = "";
    [Id(4)] public DateTime Expires { get; set; }
    [Id(5)] public int Step { get; set; }
}

/// <summary>
/// The state machine of one sweep: each trial submitted and not yet saved by the client is pending, leased, done or failed;
/// unacknowledged results wait in the outbox. A plain class with explicit time, so every interleaving can be tested without
/// a cluster; the SweepGrain persists it whole. A trial whose result the client acknowledged is forgotten but for its
/// count, so the ledger holds the client's window of trials and the unsaved results, not the whole sweep.
/// </summary>
[GenerateSerializer]
public sealed class SweepLedger
{
    [Id(0)] public Dictionary<string, LedgerEntry> Trials { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Submission order: pending trials are leased in it (a retried trial keeps its place, near the front).</summary>
    [Id(1)] public List<string> Order { get; set; } = [];

    [Id(2)] public List<CompletedTrial> Outbox { get; set; } = [];
    [Id(3)] public long NextSequence { get; set; } = 1;
    [Id(4)] public SweepSettings Settings { get; set; } = SweepSettings.Default;
    [Id(5)] public int Restarts { get; set; }
    [Id(6)] public long ForgottenDone { get; set; }
    [Id(7)] public long ForgottenFailed { get; set; }

    /// <summary>The client has submitted its last trials: the sweep is finished once they are.</summary>
    [Id(8)] public bool AllSubmitted { get; set; }

    public bool HasPending => Trials.Values.Any(e => e.Status == TrialStatus.Pending);

    public bool Finished => AllSubmitted && Outbox.Count == 0 && Trials.Values.All(e => e.Status is TrialStatus.Done or TrialStatus.Failed);

    /// <summary>Adds the trials not already known; returns how many were new.</summary>
    public int Submit(IEnumerable<TrialSubmission> trials, SweepSettings settings, bool last)
    {
        (Settings, AllSubmitted) = (settings, AllSubmitted || last);
        int before = Order.Count;
        Order.AddRange(trials.Where(t => Trials.TryAdd(t.TrialKey, new LedgerEntry { ConfigJson = t.ConfigJson })).Select(t => t.TrialKey));
        return Order.Count - before;
    }

    /// <summary>
    /// Leases up to <paramref name="count"/> pending trials, in submission order, to <paramref name="worker"/>, and up to
    /// <paramref name="spare"/> more to wait on it while more trials are pending than workers hold leases (so near the end
    /// no trial waits on a busy worker); none while the outbox is full, and never more than MaxInFlight leased at once.
    /// </summary>
    public List<TrialLease> Lease(string sweepId, string worker, int count, DateTime now, int spare = 0)
    {
        var leases = new List<TrialLease>();
        int leased = Count(TrialStatus.Leased);
        int workers = Trials.Values.Where(e => e.Status == TrialStatus.Leased).Select(e => e.Worker).Append(worker).Distinct().Count();
        count += Count(TrialStatus.Pending) - count > workers ? spare : 0;
        foreach (string key in Order.TakeWhile(_ => leases.Count < count && leased < Settings.MaxInFlight && Outbox.Count < Settings.MaxRetained))
        {
            LedgerEntry e = Trials[key];
            if (e.Status == TrialStatus.Pending)
            {
                e.Status = TrialStatus.Leased;
                e.Attempts++;
                e.Worker = worker;
                e.Expires = now + Settings.LeaseDuration;
                e.Step = 0;
                leases.Add(new TrialLease(sweepId, key, e.ConfigJson, e.Attempts, e.Expires, Settings.LeaseDuration));
                leased++;
            }
        }
        return leases;
    }

    /// <summary>Extends the lease if <paramref name="worker"/> holds attempt <paramref name="attempt"/> of the trial.</summary>
    public bool Renew(string worker, string key, int attempt, int step, DateTime now)
    {
        if (!Holds(worker, key, attempt, out LedgerEntry? e))
        {
            return false;
        }
        (e.Expires, e.Step) = (now + Settings.LeaseDuration, step);
        return true;
    }

    /// <summary>
    /// Takes an outcome; true when it counted. A result completes the trial from whichever attempt brings it first (every
    /// attempt gives the same bits); a failure counts only from the lease's holder and is retried until MaxAttempts.
    /// </summary>
    public bool Complete(string worker, string key, int attempt, TrialOutcome outcome)
    {
        if (!Trials.TryGetValue(key, out LedgerEntry? e) || e.Status is TrialStatus.Done or TrialStatus.Failed)
        {
            return false;
        }
        if (outcome.Failed)
        {
            if (!Holds(worker, key, attempt, out _))
            {
                return false;
            }
            if (e.Attempts < Settings.MaxAttempts)
            {
                e.Status = TrialStatus.Pending;
                Restarts++;
                return true;
            }
        }
        e.Status = outcome.Failed ? TrialStatus.Failed : TrialStatus.Done;
        Outbox.Add(new CompletedTrial(NextSequence++, key, outcome.Failed, outcome.ResultJson));
        return true;
    }

    /// <summary>Returns the trials whose lease ran out to pending (or fails them after MaxAttempts); returns their keys.</summary>
    public List<string> Expire(DateTime now)
    {
        var expired = new List<string>();
        foreach (var (key, e) in Trials)
        {
            if (e.Status == TrialStatus.Leased && e.Expires <= now)
            {
                expired.Add(key);
                Restarts++;
                e.Status = e.Attempts >= Settings.MaxAttempts ? TrialStatus.Failed : TrialStatus.Pending;
                if (e.Status == TrialStatus.Failed)
                {
                    Outbox.Add(new CompletedTrial(NextSequence++, key, Failed: true, ""));
                }
            }
        }
        return expired;
    }

    /// <summary>
    /// Gives every lease a full term from <paramref name="now"/>: after the ledger is loaded from storage, its workers could
    /// not renew while no activation held it.
    /// </summary>
    public void Extend(DateTime now)
    {
        foreach (LedgerEntry e in Trials.Values.Where(e => e.Status == TrialStatus.Leased && e.Expires < now + Settings.LeaseDuration))
        {
            e.Expires = now + Settings.LeaseDuration;
        }
    }

    /// <summary>Drops these results from the outbox and forgets their trials but for their count; returns how many left.</summary>
    public int Acknowledge(IEnumerable<string> keys)
    {
        var saved = new HashSet<string>(keys, StringComparer.Ordinal);
        int removed = Outbox.RemoveAll(c => saved.Contains(c.TrialKey));
        foreach (string key in saved)
        {
            if (Trials.TryGetValue(key, out LedgerEntry? e) && e.Status is TrialStatus.Done or TrialStatus.Failed)
            {
                Trials.Remove(key);
                _ = e.Status == TrialStatus.Done ? ForgottenDone++ : ForgottenFailed++;
            }
        }
        Order.RemoveAll(key => !Trials.ContainsKey(key));
        return removed;
    }

    public SweepCounts Counts() => new(Trials.Count + ForgottenDone + ForgottenFailed, Count(TrialStatus.Pending), Count(TrialStatus.Leased),
        ForgottenDone + Count(TrialStatus.Done), ForgottenFailed + Count(TrialStatus.Failed), Restarts, Outbox.Count);

    public IReadOnlyList<RunningTrial> Running() => Trials.Where(t => t.Value.Status == TrialStatus.Leased)
        .Select(t => new RunningTrial(t.Key, t.Value.Attempts, t.Value.Worker, t.Value.Step)).ToArray();

    private int Count(TrialStatus status) => Trials.Values.Count(e => e.Status == status);

    private bool Holds(string worker, string key, int attempt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LedgerEntry? entry) =>
        Trials.TryGetValue(key, out entry) && entry.Status == TrialStatus.Leased && entry.Attempts == attempt && entry.Worker == worker;
}
