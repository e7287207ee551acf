namespace Backprop.Core.Experiments;

/// <summary>
/// Runs trials in this process, in parallel up to a degree (default: one per core). The baseline the
/// distributed runner is measured against, and what the statistical tests use. A trial that throws becomes a
/// "failed" result with its error; the other trials go on.
/// </summary>
public static class SweepExecutor
{
    /// <summary>
    /// Runs <paramref name="trials"/> and hands each result to <paramref name="onResult"/> as it completes
    /// (called from worker threads, one call at a time). Returns the results in the order of
    /// <paramref name="trials"/>; trials not run because of cancellation are absent.
    /// </summary>
    public static async Task<IReadOnlyList<TrialResult>> RunAsync(
        IReadOnlyList<TrialConfig> trials,
        Action<TrialResult>? onResult = null,
        int? parallelism = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var results = new TrialResult?[trials.Count];
        var gate = new object();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount),
            CancellationToken = cancellation,
        };
        try
        {
            // Longest first (LPT scheduling): the run ends with short trials, so the workers finish together.
            int[] order = Enumerable.Range(0, trials.Count).OrderByDescending(i => trials[i].EstimatedCost()).ThenBy(i => i).ToArray();
            await Parallel.ForEachAsync(order, options, (i, token) =>
            {
                TrialResult result = RunOne(trials[i], token);
                results[i] = result;
                lock (gate)
                {
                    onResult?.Invoke(result);
                }
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Cancelled: return what completed.
        }
        return results.Where(r => r is not null).Select(r => r!).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="trials"/> in the order given, taking each from the sequence when a worker is free (so a
    /// sequence made on demand is never held whole), and hands each result to <paramref name="onResult"/> as it completes
    /// (one call at a time). Stops taking trials when <paramref name="cancellation"/> fires; the results are only handed on.
    /// </summary>
    public static async Task RunStreamingAsync(
        IEnumerable<TrialConfig> trials,
        Action<TrialResult> onResult,
        int? parallelism = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(onResult);
        var gate = new object();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount),
            CancellationToken = cancellation,
        };
        try
        {
            await Parallel.ForEachAsync(trials, options, (config, token) =>
            {
                TrialResult result = RunOne(config, token);
                lock (gate)
                {
                    onResult(result);
                }
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Cancelled: what completed was handed on.
        }
    }

    /// <summary>Runs one trial, turning an exception into a failed result (cancellation still throws).</summary>
    public static TrialResult RunOne(TrialConfig config, CancellationToken cancellation = default, Action<Checkpoint>? onCheckpoint = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return TrialRunner.Run(config, onCheckpoint, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (OutOfMemoryException)
        {
            // The trial's arrays are unreachable now, so there is memory again to say what happened.
            return TrialResult.FailedWith(config.Key(), config, TrialMemory.OutOfMemory(config), clock.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            return TrialResult.FailedWith(config.Key(), config, e, clock.Elapsed.TotalSeconds);
        }
    }
}
