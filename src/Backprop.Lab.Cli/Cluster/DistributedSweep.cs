using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Contracts;
using Backprop.Lab.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Serilog;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// The client side of a distributed sweep: submits the trials not yet in the results folder to the SweepGrain, a window at a time,
/// polls it for results, writes them (trials.jsonl, summary.csv) and only then acknowledges them, so a result
/// leaves the cluster only once it is on disk: while saving fails (a full disk), results wait in the SweepGrain, which
/// starts no more trials once its outbox is full, and the client gives up after the save timeout. Connection trouble is retried with backoff; after
/// <see cref="LostContactAfter"/> without an answer it stops, keeping everything already saved.
/// </summary>
internal sealed class DistributedSweep(IClusterClient client, ResultsDirectory results, ISweepView view, SweepSettings settings, TimeSpan saveTimeout)
{
    // Within half the calls' response timeout, so a wait with nothing to report is never taken for a lost cluster.
    private readonly TimeSpan _maxWait = LongestWait(client);

    public static readonly TimeSpan LostContactAfter = TimeSpan.FromMinutes(2);

    // The longest the client waits for news from the SweepGrain between polls (the progress display's refresh), unless
    // the response timeout is under twice this.
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    // Results are saved, then acknowledged, at least this often (and at the end, and when the outbox fills).
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>Trials submitted and without a result at most: the SweepGrain's state and the client's follow from it.</summary>
    public const int Window = 2048;

    // While saving fails, the user hears of the results waiting at most this often.
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs until every trial of <paramref name="grid"/> is saved (true) or <paramref name="cancellation"/> fires (false).
    /// Trials not yet saved are submitted from a cursor into the grid, a window at a time (<see cref="Window"/>), so the
    /// client holds the trials in flight and the results not yet saved, and the keys of the trials saved.
    /// </summary>
    public async Task<bool> RunAsync(ITrialSequence grid, CancellationToken cancellation)
    {
        // The keys on disk: what resume skips and a result sent twice is checked against (one per trial computed).
        var saved = new HashSet<string>(results.All().Where(r => r.Outcome != Outcome.Failed).Select(r => r.Key), StringComparer.Ordinal);
        long total = grid.Count;
        if (saved.Count >= total)
        {
            return true; // everything is on disk already
        }
        ISweepGrain sweep = client.GetGrain<ISweepGrain>(results.SweepId);
        using IEnumerator<Trial> cursor = grid.From().Where(t => !saved.Contains(t.Key)).GetEnumerator();
        bool exhausted = false;
        // Submitted, and no result seen yet: what a new activation of the SweepGrain is given again.
        var outstanding = new Dictionary<string, TrialConfig>(StringComparer.Ordinal);
        long submitted = 0;

        // Result numbers are the SweepGrain activation's own: a new activation (its silo died) starts them afresh.
        string activation = "";
        long acknowledged = 0, lastAdded = 0;
        long finished = saved.Count;
        // The failures counted in `finished`. A new activation of the SweepGrain sends again what its stored state still
        // holds, and reruns a trial whose outcome it had not stored; a failure seen twice is saved and counted once.
        var failedCounted = new HashSet<string>(StringComparer.Ordinal);
        DateTime lastFlush = DateTime.UtcNow, lastWarned = DateTime.MinValue;
        DateTime? saveFailing = null;
        while (!cancellation.IsCancellationRequested)
        {
            SweepProgress progress = await Retry(() => sweep.Poll(activation, acknowledged, lastAdded, 512), cancellation);
            if (progress.Activation != activation)
            {
                activation = progress.Activation;
                acknowledged = lastAdded = 0; // the grain ignored them and sent everything it holds
                if (outstanding.Count > 0 || exhausted)
                {
                    // A new activation may have started from older stored state (its silo died before it could write):
                    // give it again what has no result yet; Submit is idempotent, so trials it still knows are untouched.
                    Log.Debug("Sweep {SweepId}: the SweepGrain was activated again; submitting its {Outstanding} trials in flight again", results.SweepId, outstanding.Count);
                    await Submit(sweep, outstanding.Select(o => new Trial(o.Key, o.Value)).ToArray(), exhausted, cancellation);
                }
            }
            foreach (CompletedTrial completed in progress.Completed)
            {
                lastAdded = Math.Max(lastAdded, completed.Sequence);
                if (saved.Contains(completed.TrialKey) || (completed.Failed && failedCounted.Contains(completed.TrialKey)))
                {
                    continue; // already saved (sent again by a new activation of the SweepGrain): nothing to parse
                }
                TrialResult? result = Read(completed, outstanding, grid);
                outstanding.Remove(completed.TrialKey);
                if (result is null || saved.Contains(result.Key) || (result.Outcome == Outcome.Failed && failedCounted.Contains(result.Key)))
                {
                    continue;
                }
                // The silo's own line goes to trials.jsonl: parsed here to check it and for summary.csv, not written anew.
                // A success replaces a failure saved earlier in this run (a rerun after the SweepGrain lost its state).
                results.Add(result, completed.ResultJson);
                bool counted = !failedCounted.Remove(result.Key);
                if (result.Outcome != Outcome.Failed)
                {
                    saved.Add(result.Key);
                }
                else
                {
                    failedCounted.Add(result.Key);
                }
                view.TrialFinished(result, counted ? ++finished : finished, total);
                Log.Debug("Trial {TrialKey} of sweep {SweepId} saved: {Outcome}", result.Key, results.SweepId, result.Outcome);
            }
            view.Update(progress.Counts);
            if (!exhausted && outstanding.Count <= Window / 2)
            {
                var next = new List<Trial>(Window - outstanding.Count);
                while (outstanding.Count + next.Count < Window && !(exhausted = !cursor.MoveNext()))
                {
                    next.Add(cursor.Current);
                }
                foreach (Trial t in next)
                {
                    outstanding[t.Key] = t.Config;
                }
                submitted += next.Count;
                await Submit(sweep, next.ToArray(), exhausted, cancellation);
                Log.Information("Sweep {SweepId}: submitted {Submitted} trials ({Saved} already saved{More})",
                    results.SweepId, submitted, saved.Count, exhausted ? "" : ", more to come");
            }
            bool allIn = exhausted && outstanding.Count == 0 && progress.Counts.Pending == 0 && progress.Counts.Running == 0;
            // Save (then acknowledge) every second, at the end, or as soon as the grain's outbox is half full.
            if (lastAdded > acknowledged && (allIn || DateTime.UtcNow - lastFlush >= FlushInterval
                || progress.Counts.Retained >= settings.MaxRetained / 2))
            {
                lastFlush = DateTime.UtcNow;
                if (results.FlushIfDue(TimeSpan.Zero))
                {
                    acknowledged = lastAdded; // acknowledged only once on disk
                    saveFailing = null;
                    if (allIn)
                    {
                        continue; // the last results are saved: acknowledge them now rather than a poll interval later
                    }
                }
                else if (results.SaveProblem is not null)
                {
                    saveFailing ??= DateTime.UtcNow;
                    if (DateTime.UtcNow - saveFailing >= saveTimeout)
                    {
                        throw new ResultsNotSavedException(results);
                    }
                    if (DateTime.UtcNow - lastWarned >= WarnEvery)
                    {
                        view.Message(results.WaitingMessage());
                        lastWarned = DateTime.UtcNow;
                    }
                }
            }
            if (progress.Finished && exhausted && outstanding.Count == 0)
            {
                await Release(sweep);
                return true;
            }
            // Wait for the next result (the SweepGrain answers as soon as one arrives), but come back in time to
            // save what is not yet on disk, and at least once a second to refresh the progress display.
            TimeSpan wait = _maxWait;
            if (lastAdded > acknowledged)
            {
                TimeSpan untilFlush = lastFlush + FlushInterval - DateTime.UtcNow;
                wait = untilFlush < TimeSpan.Zero ? TimeSpan.Zero : untilFlush < wait ? untilFlush : wait;
            }
            try
            {
                await Retry(() => sweep.WaitForChange(progress.Version, wait), cancellation).WaitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (!results.TrySave())
        {
            throw new ResultsNotSavedException(results);
        }
        return false;
    }

    /// <summary>How long the client waits for news at most: a second, or half the calls' response timeout if less.</summary>
    internal static TimeSpan LongestWait(IClusterClient client)
    {
        TimeSpan timeout = TimeSpan.MaxValue;
        // A client's calls time out after ClientMessagingOptions.ResponseTimeout; in a silo (the embedded client)
        // after SiloMessagingOptions'. Both default to 30 s.
        if (client.ServiceProvider.GetService<IOptions<ClientMessagingOptions>>() is { } clientOptions)
        {
            timeout = clientOptions.Value.ResponseTimeout;
        }
        if (client.ServiceProvider.GetService<IOptions<SiloMessagingOptions>>() is { } siloOptions && siloOptions.Value.ResponseTimeout < timeout)
        {
            timeout = siloOptions.Value.ResponseTimeout;
        }
        return timeout / 2 < MaxWait ? timeout / 2 : MaxWait;
    }

    /// <summary>
    /// Every result is on disk and acknowledged: the cluster may forget the sweep. A failure costs only the stored
    /// state's lifetime (it expires, see OrleansHosts), so it is logged, not retried.
    /// </summary>
    private async Task Release(ISweepGrain sweep)
    {
        try
        {
            await sweep.Release();
        }
        catch (Exception e)
        {
            Log.Warning("Sweep {SweepId}: the cluster could not delete the finished sweep's state ({Error}); it expires on its own", results.SweepId, e.Message);
        }
    }

    /// <summary>
    /// Submits <paramref name="trials"/> in chunks, longest first within them: the SweepGrain starts trials in submission
    /// order, each on the next free worker in the cluster, so longest first (LPT list scheduling) makes the workers finish
    /// together. (When trials were pushed to silos by activation counts instead, a first window of long trials could pile
    /// onto one silo: 2-silo scaling fell from 84% to 62% with this order.) The order is stable, so trials of equal cost
    /// keep the file's order; a sweep of up to <see cref="Window"/> trials is one window, in LPT order as a whole.
    /// </summary>
    private async Task Submit(ISweepGrain sweep, Trial[] trials, bool last, CancellationToken cancellation)
    {
        Trial[] ordered = trials.OrderByDescending(t => t.Config.EstimatedCost()).ToArray();
        int chunks = Math.Max(1, (ordered.Length + 499) / 500);
        for (int c = 0; c < chunks; c++)
        {
            TrialSubmission[] submissions = ordered.Skip(c * 500).Take(500).Select(t => new TrialSubmission(t.Key, TrialJson.Write(t.Config))).ToArray();
            await Retry(() => sweep.Submit(submissions, settings, last && c == chunks - 1), cancellation);
        }
    }

    /// <summary>
    /// The result of <paramref name="completed"/>: of a trial in flight, or of one the SweepGrain held from an earlier run
    /// of this sweep (its line names a trial of <paramref name="grid"/>); null for anything else.
    /// </summary>
    private TrialResult? Read(CompletedTrial completed, Dictionary<string, TrialConfig> outstanding, ITrialSequence grid)
    {
        outstanding.TryGetValue(completed.TrialKey, out TrialConfig? config);
        if (completed.ResultJson.Length == 0)
        {
            if (config is null)
            {
                // Lost on an earlier run's silo: it is not saved, so this run submits it again when the cursor reaches it.
                Log.Debug("Sweep {SweepId}: trial {TrialKey}, failed before this run, is left to run again", results.SweepId, completed.TrialKey);
                return null;
            }
            return TrialResult.FailedWith(completed.TrialKey, config, new InvalidOperationException($"the trial lost its silo or failed {settings.MaxAttempts} times"), 0);
        }
        TrialResult? result = ResultFormat.FromJsonLine(completed.ResultJson, out string? problem);
        if (result is null)
        {
            Log.Error("Sweep {SweepId}: unreadable result for trial {TrialKey}: {Problem}", results.SweepId, completed.TrialKey, problem);
            return null;
        }
        if (result.Key != completed.TrialKey || (config is null && grid.IndexOf(result.Key, result.Config) is null))
        {
            Log.Warning("Sweep {SweepId}: the cluster returned trial {TrialKey}, which this sweep file does not have; ignored", results.SweepId, completed.TrialKey);
            return null;
        }
        return result;
    }

    /// <summary>Retries a call with backoff while the cluster is reachable again within <see cref="LostContactAfter"/>.</summary>
    private static async Task<T> Retry<T>(Func<Task<T>> call, CancellationToken cancellation)
    {
        DateTime deadline = DateTime.UtcNow + LostContactAfter;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not OperationCanceledException && DateTime.UtcNow < deadline && !cancellation.IsCancellationRequested)
            {
                Log.Warning("The cluster did not answer ({Error}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, cancellation);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static Task Retry(Func<Task> call, CancellationToken cancellation) =>
        Retry(async () => { await call(); return true; }, cancellation);
}
