using Backprop.Lab.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Placement;

namespace Backprop.Lab.Grains;

/// <summary>
/// The aggregator of one sweep. Reentrant so that reports from many trials, client polls and the probe timer
/// interleave at awaits; every state change is a synchronous block between awaits, so no change is torn.
/// The state is written through grain storage at most once per second (and when the sweep finishes); after a
/// restart, trials that were running are probed and restarted, and ExperimentGrains re-deliver outcomes, so
/// nothing is lost, and a trial is counted once because only the first outcome for a key is taken. A trial whose result
/// the client has acknowledged is forgotten but for its count, so the state is the size of the client's window of
/// submitted trials plus the unsaved results, not of the sweep.
/// </summary>
[Reentrant]
public sealed class SweepGrain(
    [PersistentState("sweep", SweepGrain.StorageName)] IPersistentState<SweepState> state,
    IClusterMembershipService membership,
    IClusterManifestProvider manifests,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain
{
    public const string StorageName = "sweeps";

    /// <summary>Trials that may wait in a silo's pool beyond its workers, while the sweep is not near its end.</summary>
    public const int QueuedPerSilo = 1;

    private readonly Dictionary<string, (int Step, DateTime Seen)> _live = new(StringComparer.Ordinal);

    // Where each running trial was started (not persisted: after a restart of this grain, trials already running
    // count against no silo until they finish, so a silo may briefly queue one more than it has workers).
    private readonly Dictionary<string, SiloAddress> _placedOn = new(StringComparer.Ordinal);

    // Workers per silo, from the silos' receipts.
    private readonly Dictionary<SiloAddress, int> _capacity = [];

    // Silos that refused a Start recently, and until when they get no trials.
    private readonly Dictionary<SiloAddress, DateTime> _avoidUntil = [];
    private static readonly TimeSpan AvoidAfterFailedStart = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxChangeWait = TimeSpan.FromSeconds(5);

    // Names this activation for the client's result numbers (see Poll).
    private readonly string _activation = Guid.NewGuid().ToString("N");

    // Bumped (and waiters woken) when a result enters the outbox or a trial is restarted; not persisted.
    private long _version;
    private TaskCompletionSource? _changed;
    private bool _dirty;
    private bool _writing;
    private Task _write = Task.CompletedTask;
    private bool _released;
    private bool _probing;
    private IGrainTimer? _timer;

    private SweepState S => state.State;
    private string SweepId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Trials recorded as running may have lost their activation while this grain was away: probe them soon.
        DateTime past = DateTime.UtcNow - TimeSpan.FromDays(1);
        foreach (var (key, entry) in S.Trials)
        {
            if (entry.Status == TrialStatus.Running)
            {
                _live[key] = (0, past);
            }
        }
        StartTimer();
        return Task.CompletedTask;
    }

    public async Task Submit(IReadOnlyList<TrialSubmission> trials, SweepSettings settings, bool last)
    {
        ArgumentNullException.ThrowIfNull(trials);
        S.Settings = settings ?? SweepSettings.Default;
        S.AllSubmitted |= last;
        int added = 0;
        foreach (TrialSubmission t in trials)
        {
            if (!S.Trials.ContainsKey(t.TrialKey))
            {
                S.Trials[t.TrialKey] = new TrialEntry { ConfigJson = t.ConfigJson, Status = TrialStatus.Pending };
                S.Order.Add(t.TrialKey);
                added++;
            }
        }
        logger.LogInformation("Sweep {SweepId}: {Added} trials submitted ({Known} known)", SweepId, added, trials.Count - added);
        _dirty = true;
        StartTimer();
        await Dispatch();
        await Persist();
    }

    public async Task<SweepProgress> Poll(string activation, long acknowledgedUpTo, long afterSequence, int maxResults)
    {
        if (activation != _activation)
        {
            // The client's numbers came from another activation, whose numbering a restart from stored state may
            // reuse: dropping by them could lose results the client never saw.
            acknowledgedUpTo = 0;
            afterSequence = 0;
        }
        int before = S.Outbox.Count;
        S.Outbox.RemoveAll(c => c.Sequence <= acknowledgedUpTo && Forget(c.TrialKey));
        if (S.Outbox.Count != before)
        {
            _dirty = true;
            S.Order.RemoveAll(key => !S.Trials.ContainsKey(key));
            await Dispatch(); // room in the outbox again: start what waited for it
        }
        var running = S.Trials.Where(t => t.Value.Status == TrialStatus.Running)
            .Select(t => new RunningTrial(t.Key, t.Value.Attempts, t.Value.Silo, _live.TryGetValue(t.Key, out var l) ? l.Step : 0))
            .ToArray();
        var completed = S.Outbox.Where(c => c.Sequence > afterSequence).Take(Math.Max(0, maxResults)).ToArray();
        return new SweepProgress(Counts(), completed, running, RuntimeIdentity, Finished(), _version, _activation);
    }

    /// <summary>
    /// Forgets a trial whose result the client has saved, keeping only its count: a repeated outcome of it is ignored as
    /// before, and the state stays the size of what is in flight and unsaved. Always true (a RemoveAll predicate).
    /// </summary>
    private bool Forget(string trialKey)
    {
        if (S.Trials.TryGetValue(trialKey, out TrialEntry? entry) && entry.Status is TrialStatus.Done or TrialStatus.Failed)
        {
            S.Trials.Remove(trialKey);
            _live.Remove(trialKey);
            _placedOn.Remove(trialKey);
            if (entry.Status == TrialStatus.Done)
            {
                S.ForgottenDone++;
            }
            else
            {
                S.ForgottenFailed++;
            }
        }
        return true;
    }

    public async Task WaitForChange(long version, TimeSpan maxWait)
    {
        if (version != _version || Finished())
        {
            return;
        }
        TimeSpan wait = maxWait < TimeSpan.Zero ? TimeSpan.Zero : maxWait > MaxChangeWait ? MaxChangeWait : maxWait;
        _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAny(_changed.Task, Task.Delay(wait));
    }

    private void Changed()
    {
        _version++;
        _changed?.TrySetResult();
        _changed = null;
    }

    public Task TrialStarted(string trialKey, int attempt, string silo)
    {
        if (S.Trials.TryGetValue(trialKey, out TrialEntry? entry) && entry.Status == TrialStatus.Running)
        {
            entry.Silo = silo;
            _live[trialKey] = (0, DateTime.UtcNow);
            _dirty = true;
        }
        return Task.CompletedTask;
    }

    public Task Checkpoint(CheckpointReport report)
    {
        if (S.Trials.TryGetValue(report.TrialKey, out TrialEntry? entry) && entry.Status == TrialStatus.Running)
        {
            _live[report.TrialKey] = (report.Step, DateTime.UtcNow);
        }
        return Task.CompletedTask;
    }

    public async Task TrialFinished(TrialOutcome outcome)
    {
        if (!S.Trials.TryGetValue(outcome.TrialKey, out TrialEntry? entry) || entry.Status is TrialStatus.Done or TrialStatus.Failed)
        {
            logger.LogDebug("Sweep {SweepId}: ignoring a repeated outcome of trial {TrialKey}", SweepId, outcome.TrialKey);
            return;
        }
        _live.Remove(outcome.TrialKey);
        _placedOn.Remove(outcome.TrialKey);
        entry.Silo = outcome.Silo;
        if (outcome.Failed && entry.Attempts < S.Settings.MaxAttempts)
        {
            // Retry: back to pending; Dispatch starts it again.
            logger.LogWarning("Sweep {SweepId}: trial {TrialKey} failed on attempt {Attempt}; retrying", SweepId, outcome.TrialKey, outcome.Attempt);
            entry.Status = TrialStatus.Pending;
        }
        else
        {
            entry.Status = outcome.Failed ? TrialStatus.Failed : TrialStatus.Done;
            S.Outbox.Add(new CompletedTrial(S.NextSequence++, outcome.TrialKey, outcome.Failed, outcome.ResultJson));
        }
        _dirty = true;
        Changed();
        await Dispatch();
    }

    /// <summary>
    /// Starts pending trials, in submission order, on silos with a free worker: each active silo gets as many
    /// trials as its pool trains at once (learnt from its first <see cref="StartReceipt"/>; one until then), plus
    /// one waiting (see <see cref="Plan"/>), and the next one when a trial there finishes. Trials wait here, not in silo queues, so a silo that joins
    /// takes work at once, a fast silo is never idle while a slow one has a queue, and a lost silo takes no
    /// waiting trials with it. Pull scheduling in effect, without polling: a finished trial's report is the
    /// request for the next one. Also bounded by MaxInFlight and by the client keeping up with the results.
    /// </summary>
    private async Task Dispatch()
    {
        if (S.Outbox.Count >= S.Settings.MaxRetained)
        {
            return; // back-pressure: wait for the client to save what it has
        }
        List<(string Key, SiloAddress Silo, TrialAssignment Assignment)> starts = Plan();
        if (starts.Count == 0)
        {
            return;
        }
        _dirty = true;
        bool learnt = false;
        await Task.WhenAll(starts.Select(async s =>
        {
            // The hint is read only when the call creates the activation; it is request context, so it flows with
            // this call alone.
            RequestContext.Set(IPlacementDirector.PlacementHintKey, s.Silo);
            try
            {
                StartReceipt receipt = await GrainFactory.GetGrain<IExperimentGrain>(ExperimentKey(s.Key)).Start(s.Assignment);
                learnt |= !_capacity.TryGetValue(receipt.Silo, out int known) || known != receipt.Capacity;
                _capacity[receipt.Silo] = Math.Max(1, receipt.Capacity);
                if (_placedOn.ContainsKey(s.Key))
                {
                    // Where it really is: an activation that already existed (a retry) stays where it was.
                    _placedOn[s.Key] = receipt.Silo;
                }
            }
            catch (Exception e)
            {
                // Most likely the silo died and membership has not declared it dead yet (seconds to tens of seconds):
                // the trial goes back to pending without using an attempt, and that silo gets no trials for a while,
                // so a dying silo cannot use up a trial's attempts. If the Start did arrive (a timeout after the
                // fact), starting it again reaches the same activation, which ignores it, and the outcome still
                // counts once.
                _placedOn.Remove(s.Key);
                _avoidUntil[s.Silo] = DateTime.UtcNow + AvoidAfterFailedStart;
                if (S.Trials.TryGetValue(s.Key, out TrialEntry? entry) && entry.Status == TrialStatus.Running && entry.Attempts == s.Assignment.Attempt)
                {
                    entry.Status = TrialStatus.Pending;
                    entry.Attempts--;
                    _live.Remove(s.Key);
                }
                logger.LogWarning(e, "Sweep {SweepId}: starting trial {TrialKey} on {Silo} failed; it waits for another silo", SweepId, s.Key, s.Silo);
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
        }));
        if (learnt)
        {
            await Dispatch(); // a silo turned out to have more workers than the one trial it was given
        }
    }

    /// <summary>
    /// Marks the trials to start now as running and picks each one's silo (synchronously: no torn state): the silo
    /// with the most free workers, and while more trials wait than the cluster has workers, one more per silo that
    /// waits in its pool. That one hides the round trip from a finished trial to the next start (tens of
    /// milliseconds on a loaded core, idle for the worker); near the end of a sweep no trial waits on a busy silo
    /// while another silo has nothing to do.
    /// </summary>
    private List<(string Key, SiloAddress Silo, TrialAssignment Assignment)> Plan()
    {
        DateTime now = DateTime.UtcNow;
        // Active, and known to this silo's placement: a silo that has just joined is active in membership a moment
        // before its grain manifest reaches the other silos, and until then the placement hint naming it is ignored
        // and the trial lands on another silo, beyond that silo's workers and the one waiting.
        var placeable = manifests.Current.Silos;
        SiloAddress[] active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && placeable.ContainsKey(m.SiloAddress)).Select(m => m.SiloAddress).ToArray();
        SiloAddress[] usable = active.Where(s => !(_avoidUntil.TryGetValue(s, out DateTime until) && until > now)).ToArray();
        var free = new Dictionary<SiloAddress, int>();
        // If every silo refused a Start lately (a passing fault), trying them again beats waiting.
        foreach (SiloAddress silo in usable.Length > 0 ? usable : active)
        {
            free[silo] = _capacity.TryGetValue(silo, out int capacity) ? capacity : 1;
        }
        int workers = free.Values.Sum();
        foreach (SiloAddress silo in _placedOn.Values)
        {
            if (free.ContainsKey(silo))
            {
                free[silo]--;
            }
        }
        int running = 0, pending = 0;
        foreach (TrialEntry e in S.Trials.Values)
        {
            running += e.Status == TrialStatus.Running ? 1 : 0;
            pending += e.Status == TrialStatus.Pending ? 1 : 0;
        }
        var starts = new List<(string, SiloAddress, TrialAssignment)>();
        foreach (string key in S.Order)
        {
            if (running >= S.Settings.MaxInFlight || pending == 0 || free.Count == 0)
            {
                break;
            }
            TrialEntry entry = S.Trials[key];
            if (entry.Status != TrialStatus.Pending)
            {
                continue;
            }
            // The silo with the most free workers (ties: the lowest address, so plans are reproducible).
            SiloAddress best = free.Keys.First();
            foreach (var (silo, slots) in free)
            {
                if (slots > free[best] || (slots == free[best] && silo.CompareTo(best) < 0))
                {
                    best = silo;
                }
            }
            if (free[best] <= -QueuedPerSilo || (free[best] <= 0 && pending <= workers))
            {
                break; // every worker is busy (and has its next trial): the next finished trial dispatches again
            }
            free[best]--;
            pending--;
            entry.Status = TrialStatus.Running;
            entry.Attempts++;
            entry.Silo = null;
            _live[key] = (0, DateTime.UtcNow);
            _placedOn[key] = best;
            starts.Add((key, best, new TrialAssignment(SweepId, key, entry.ConfigJson, entry.Attempts)));
            running++;
        }
        return starts;
    }

    public string ExperimentKey(string trialKey) => $"{SweepId}/{trialKey}";

    private void StartTimer()
    {
        if (_timer is null && S.Trials.Count > 0)
        {
            _timer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromSeconds(1),
                Period = TimeSpan.FromSeconds(1),
                Interleave = true,
                KeepAlive = true,
            });
        }
    }

    private async Task Tick(CancellationToken cancellation)
    {
        await Probe();
        await Dispatch();
        await Persist();
    }

    /// <summary>
    /// Asks every running trial not heard from for a probe interval whether its activation still works on it.
    /// A fresh activation (its silo died, or it never got the Start) answers Idle: the trial is started again,
    /// up to MaxAttempts. A call that fails (a silo still being declared dead) is simply tried next time.
    /// </summary>
    private async Task Probe()
    {
        if (_probing)
        {
            return;
        }
        _probing = true;
        try
        {
            DateTime now = DateTime.UtcNow;
            var stale = S.Trials.Where(t => t.Value.Status == TrialStatus.Running
                    && (!_live.TryGetValue(t.Key, out var l) || now - l.Seen >= S.Settings.ProbeInterval))
                .Select(t => t.Key).ToArray();
            await Task.WhenAll(stale.Select(async key =>
            {
                try
                {
                    ExperimentStatus status = await GrainFactory.GetGrain<IExperimentGrain>(ExperimentKey(key)).GetStatus();
                    TrialEntry entry = S.Trials[key];
                    if (entry.Status != TrialStatus.Running)
                    {
                        return;
                    }
                    if (status.State != ExperimentState.Idle)
                    {
                        _live[key] = (_live.TryGetValue(key, out var l) ? l.Step : 0, DateTime.UtcNow);
                        return;
                    }
                    Restart(key, entry);
                }
                catch (Exception e)
                {
                    logger.LogDebug(e, "Sweep {SweepId}: probing trial {TrialKey} failed; trying again later", SweepId, key);
                }
            }));
        }
        finally
        {
            _probing = false;
        }
    }

    private void Restart(string key, TrialEntry entry)
    {
        _live.Remove(key);
        _placedOn.Remove(key);
        S.Restarts++;
        _dirty = true;
        Changed();
        if (entry.Attempts >= S.Settings.MaxAttempts)
        {
            logger.LogError("Sweep {SweepId}: trial {TrialKey} lost {Attempts} times; marking it failed", SweepId, key, entry.Attempts);
            entry.Status = TrialStatus.Failed;
            S.Outbox.Add(new CompletedTrial(S.NextSequence++, key, Failed: true, ""));
            return;
        }
        logger.LogWarning("Sweep {SweepId}: trial {TrialKey} lost its activation (last on {Silo}); restarting it", SweepId, key, entry.Silo ?? "an unknown silo");
        entry.Status = TrialStatus.Pending;
    }

    public async Task Release()
    {
        if (!Finished() || _released)
        {
            return;
        }
        _released = true; // no write may follow the delete and bring the state back
        _timer?.Dispose();
        _timer = null;
        try
        {
            await _write; // a write under way finishes before the delete
        }
        catch (Exception)
        {
            // Its failure is Persist's to report; the delete follows either way.
        }
        await state.ClearStateAsync();
        logger.LogInformation("Sweep {SweepId}: every result is saved by the client; its stored state is deleted", SweepId);
        DeactivateOnIdle();
    }

    private async Task Persist()
    {
        if (!_dirty || _writing || _released)
        {
            return;
        }
        _writing = true;
        _dirty = false;
        try
        {
            await (_write = state.WriteStateAsync());
        }
        catch (Exception e)
        {
            _dirty = true;
            logger.LogWarning(e, "Sweep {SweepId}: writing the sweep state failed; retrying", SweepId);
        }
        finally
        {
            _writing = false;
        }
    }

    private SweepCounts Counts()
    {
        int pending = 0, running = 0, training = 0;
        long done = S.ForgottenDone, failed = S.ForgottenFailed;
        foreach (TrialEntry e in S.Trials.Values)
        {
            switch (e.Status)
            {
                case TrialStatus.Pending: pending++; break;
                case TrialStatus.Running: running++; training += e.Silo is null ? 0 : 1; break; // Silo: its start was reported
                case TrialStatus.Done: done++; break;
                case TrialStatus.Failed: failed++; break;
            }
        }
        return new SweepCounts(S.Trials.Count + S.ForgottenDone + S.ForgottenFailed, pending, running, done, failed, S.Restarts, S.Outbox.Count, training);
    }

    private bool Finished() => S.AllSubmitted && S.Outbox.Count == 0
        && S.Trials.Values.All(e => e.Status is TrialStatus.Done or TrialStatus.Failed);
}
