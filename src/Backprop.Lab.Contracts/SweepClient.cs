using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Backprop.Lab.Contracts;

/// <summary>A trial for <see cref="SweepClient"/>: its submission and its estimated cost (work starts longest first).</summary>
public sealed record SweepTrial(TrialSubmission Submission, double Cost);

/// <summary>Where the <see cref="SweepClient"/> puts results: the CLI's results folder.</summary>
public interface ISweepSink
{
    /// <summary>A result, perhaps again (a new stream resends all not acknowledged), or an earlier client's (<paramref name="submitted"/> null).</summary>
    void Received(CompletedTrial result, TrialSubmission? submitted);

    void Progress(SweepCounts counts);

    /// <summary>Writes what was received; true once it is on disk, and only then is it acknowledged. Throws to give up.</summary>
    bool Flush();
}

/// <summary>
/// The client side of a distributed sweep: submits the trials a window at a time, streams the results into the sink and
/// acknowledges them once the sink has them on disk, so a result leaves the cluster only once saved; while saving fails
/// (a full disk) they wait in the SweepGrain, which leases nothing more once its outbox is full. A broken stream is opened
/// again after the trials without a result are submitted again (a new activation may hold older stored state). After
/// <see cref="LostContactAfter"/> without an answer it gives up, keeping what is saved.
/// </summary>
public sealed class SweepClient(IClusterClient client, string sweepId, SweepSettings settings, ILogger logger)
{
    /// <summary>Trials submitted and without a result at most: the SweepGrain's ledger and the client's memory follow from it.</summary>
    public const int Window = 2048;

    public static readonly TimeSpan LostContactAfter = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1); // saved, then acknowledged, at least this often

    private readonly ISweepGrain _sweep = client.GetGrain<ISweepGrain>(sweepId);
    private readonly Dictionary<string, SweepTrial> _outstanding = new(StringComparer.Ordinal);
    private bool _exhausted;

    /// <summary>Runs until every trial is saved (true) or <paramref name="cancellation"/> fires (false).</summary>
    public async Task<bool> RunAsync(IEnumerable<SweepTrial> trials, ISweepSink sink, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using IEnumerator<SweepTrial> cursor = trials.GetEnumerator();
        var unacknowledged = new HashSet<string>(StringComparer.Ordinal);
        DateTime lastFlush = DateTime.UtcNow;
        try
        {
            await TopUp(cursor, cancellation);
            await foreach (SweepNews news in News(cancellation))
            {
                foreach (CompletedTrial result in news.Results)
                {
                    _outstanding.Remove(result.TrialKey, out SweepTrial? submitted);
                    sink.Received(result, submitted?.Submission);
                    unacknowledged.Add(result.TrialKey);
                }
                sink.Progress(news.Counts);
                await TopUp(cursor, cancellation);
                bool allIn = _exhausted && _outstanding.Count == 0;
                if (unacknowledged.Count > 0 && (allIn || DateTime.UtcNow - lastFlush >= FlushInterval || news.Counts.Retained >= settings.MaxRetained / 2))
                {
                    lastFlush = DateTime.UtcNow;
                    if (sink.Flush())
                    {
                        await Retry(() => _sweep.Acknowledge([.. unacknowledged]), cancellation);
                        unacknowledged.Clear();
                    }
                }
                if (news.Finished && allIn && unacknowledged.Count == 0)
                {
                    try
                    {
                        await _sweep.Release(); // the cluster may forget the sweep
                    }
                    catch (Exception e)
                    {
                        logger.LogWarning("Sweep {SweepId}: the cluster could not delete the finished sweep's state ({Error}); it expires on its own", sweepId, e.Message);
                    }
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        return false;
    }

    /// <summary>The sweep's news across broken streams: before each new one, what has no result is submitted again.</summary>
    private async IAsyncEnumerable<SweepNews> News([EnumeratorCancellation] CancellationToken cancellation)
    {
        for (bool first = true; ; first = false)
        {
            IAsyncEnumerator<SweepNews>? stream = null;
            await Retry(async () =>
            {
                stream = _sweep.Watch(cancellation).WithBatchSize(1).GetAsyncEnumerator(cancellation);
                if (!await stream.MoveNextAsync())
                {
                    throw new EnumerationAbortedException("the sweep's stream ended");
                }
            }, cancellation, resubmit: !first);
            for (bool more = true; more;)
            {
                yield return stream!.Current;
                try
                {
                    more = await stream.MoveNextAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
                {
                    logger.LogWarning("The stream of sweep {SweepId} broke ({Error}); opening it again", sweepId, e.Message);
                    more = false;
                }
            }
            _ = stream!.DisposeAsync().AsTask().ContinueWith(t => t.Exception, TaskScheduler.Default); // its grain may be gone
        }
    }

    /// <summary>Submits the next trials while at most half a window is outstanding.</summary>
    private async Task TopUp(IEnumerator<SweepTrial> cursor, CancellationToken cancellation)
    {
        if (_exhausted || _outstanding.Count > Window / 2)
        {
            return;
        }
        var next = new List<SweepTrial>();
        while (_outstanding.Count + next.Count < Window && !(_exhausted = !cursor.MoveNext()))
        {
            next.Add(cursor.Current);
        }
        next.ForEach(t => _outstanding[t.Submission.TrialKey] = t);
        await Retry(() => Submit(next, _exhausted, cancellation), cancellation);
        logger.LogInformation("Sweep {SweepId}: submitted {Count} trials ({Outstanding} without a result)", sweepId, next.Count, _outstanding.Count);
    }

    /// <summary>Submits in chunks, longest first (LPT list scheduling: workers lease in this order, and finish together).</summary>
    private async Task Submit(IReadOnlyList<SweepTrial> trials, bool last, CancellationToken cancellation)
    {
        TrialSubmission[] ordered = [.. trials.OrderByDescending(t => t.Cost).Select(t => t.Submission)];
        for (int start = 0; start < ordered.Length || start == 0; start += 500)
        {
            cancellation.ThrowIfCancellationRequested();
            await _sweep.Submit(ordered[start..Math.Min(start + 500, ordered.Length)], settings, last && start + 500 >= ordered.Length);
        }
    }

    /// <summary>Retries with backoff within <see cref="LostContactAfter"/>; first resubmits what has no result on a retry or when asked.</summary>
    private async Task Retry(Func<Task> call, CancellationToken cancellation, bool resubmit = false)
    {
        DateTime deadline = DateTime.UtcNow + LostContactAfter;
        var delay = TimeSpan.FromMilliseconds(250);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (resubmit || attempt > 0)
                {
                    await Submit([.. _outstanding.Values], _exhausted, cancellation);
                }
                await call();
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && DateTime.UtcNow < deadline && !cancellation.IsCancellationRequested)
            {
                logger.LogWarning("The cluster did not answer ({Error}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, cancellation);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
