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
/// The client side of a distributed sweep: submits the trials not yet in the results folder to the SweepGrain,
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

    // While saving fails, the user hears of the results waiting at most this often.
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    /// <summary>Runs until every trial is saved (true) or <paramref name="cancellation"/> fires (false).</summary>
    public async Task<bool> RunAsync(IReadOnlyList<Trial> all, CancellationToken cancellation)
    {
        var byKey = all.ToDictionary(t => t.Key, t => t.Config, StringComparer.Ordinal);
        var saved = new HashSet<string>(results.All().Where(r => r.Outcome != Outcome.Failed).Select(r => r.Key), StringComparer.Ordinal);
        // The SweepGrain starts trials in submission order, each on the next free worker in the cluster, so longest
        // first (LPT list scheduling) makes the workers finish together. (When trials were pushed to silos by
        // activation counts instead, a first window of long trials could pile onto one silo: 2-silo scaling fell
        // from 84% to 62% with this order.) The order is stable, so trials of equal cost keep the file's order.
        Trial[] pending = all.Where(t => !saved.Contains(t.Key)).OrderByDescending(t => t.Config.EstimatedCost()).ToArray();
        if (pending.Length == 0)
        {
            return true; // everything is on disk already
        }
        ISweepGrain sweep = client.GetGrain<ISweepGrain>(results.SweepId);

        await Submit(sweep, pending, cancellation);
        Log.Information("Sweep {SweepId}: submitted {Pending} trials ({Saved} already saved)", results.SweepId, pending.Length, saved.Count);

        // Result numbers are the SweepGrain activation's own: a new activation (its silo died) starts them afresh.
        string activation = "";
        long acknowledged = 0, lastAdded = 0;
        int finished = saved.Count;
        // The keys counted in `finished`. A new activation of the SweepGrain sends again what its stored state still
        // holds, and reruns a trial whose outcome it had not stored; a failure seen twice is saved and counted once.
        var counted = new HashSet<string>(saved, StringComparer.Ordinal);
        DateTime lastFlush = DateTime.UtcNow, lastWarned = DateTime.MinValue;
        DateTime? saveFailing = null;
        while (!cancellation.IsCancellationRequested)
        {
            SweepProgress progress = await Retry(() => sweep.Poll(activation, acknowledged, lastAdded, 512), cancellation);
            if (progress.Activation != activation)
            {
                activation = progress.Activation;
                acknowledged = lastAdded = 0; // the grain ignored them and sent everything it holds
            }
            foreach (CompletedTrial completed in progress.Completed)
            {
                lastAdded = Math.Max(lastAdded, completed.Sequence);
                if (saved.Contains(completed.TrialKey) || (completed.Failed && counted.Contains(completed.TrialKey)))
                {
                    continue; // already saved (sent again by a new activation of the SweepGrain): nothing to parse
                }
                TrialResult? result = Read(completed, byKey);
                if (result is null || saved.Contains(result.Key) || (result.Outcome == Outcome.Failed && counted.Contains(result.Key)))
                {
                    continue;
                }
                // The silo's own line goes to trials.jsonl: parsed here to check it and for summary.csv, not written anew.
                // A success replaces a failure saved earlier in this run (a rerun after the SweepGrain lost its state).
                results.Add(result, completed.ResultJson);
                if (result.Outcome != Outcome.Failed)
                {
                    saved.Add(result.Key);
                }
                view.TrialFinished(result, counted.Add(result.Key) ? ++finished : finished, all.Count);
                Log.Debug("Trial {TrialKey} of sweep {SweepId} saved: {Outcome}", result.Key, results.SweepId, result.Outcome);
            }
            view.Update(progress.Counts);
            if (progress.Counts.Total < pending.Length)
            {
                // The SweepGrain lost its state (its silo died before it could be stored): submit again what is
                // not saved; Submit is idempotent, so trials it still knows are untouched.
                Log.Warning("Sweep {SweepId}: the cluster knows {Known} of {Submitted} trials; submitting again", results.SweepId, progress.Counts.Total, pending.Length);
                await Submit(sweep, pending.Where(t => !saved.Contains(t.Key)).ToArray(), cancellation);
                continue;
            }
            bool allIn = progress.Counts.Pending == 0 && progress.Counts.Running == 0;
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
            if (progress.Finished)
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

    private async Task Submit(ISweepGrain sweep, Trial[] trials, CancellationToken cancellation)
    {
        foreach (Trial[] chunk in trials.Chunk(500))
        {
            TrialSubmission[] submissions = chunk.Select(t => new TrialSubmission(t.Key, TrialJson.Write(t.Config))).ToArray();
            await Retry(() => sweep.Submit(submissions, settings), cancellation);
        }
    }

    private TrialResult? Read(CompletedTrial completed, Dictionary<string, TrialConfig> byKey)
    {
        if (!byKey.TryGetValue(completed.TrialKey, out TrialConfig? config))
        {
            Log.Warning("Sweep {SweepId}: the cluster returned trial {TrialKey}, which this sweep file does not have; ignored", results.SweepId, completed.TrialKey);
            return null;
        }
        if (completed.ResultJson.Length == 0)
        {
            return TrialResult.FailedWith(completed.TrialKey, config, new InvalidOperationException($"the trial lost its silo or failed {settings.MaxAttempts} times"), 0);
        }
        TrialResult? result = ResultFormat.FromJsonLine(completed.ResultJson, out string? problem);
        if (result is null)
        {
            Log.Error("Sweep {SweepId}: unreadable result for trial {TrialKey}: {Problem}", results.SweepId, completed.TrialKey, problem);
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
