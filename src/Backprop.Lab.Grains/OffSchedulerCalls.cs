using Microsoft.Extensions.Logging;

namespace Backprop.Lab.Grains;

/// <summary>Grain calls made from trial-pool threads (outside any grain's scheduler).</summary>
internal static class OffSchedulerCalls
{
    /// <summary>
    /// Delivers a report, retrying with backoff for up to five minutes: after a silo dies, calls that touch it
    /// fail for 8-13 s until membership declares it dead, and the SweepGrain may be moving meanwhile.
    /// </summary>
    public static async Task Deliver(Func<Task> call, ILogger logger, CancellationToken stopping, string what)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && !stopping.IsCancellationRequested)
            {
                logger.LogDebug(e, "Delivering {What} failed; retrying in {Delay}", what, delay);
                await Task.Delay(delay, CancellationToken.None).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
            catch (Exception e)
            {
                logger.LogError(e, "Gave up delivering {What}; the sweep's probe will restart the trial", what);
                return;
            }
        }
    }

    /// <summary>Observes a fire-and-forget call so a lost progress report is logged, not unobserved.</summary>
    public static async Task Observe(Task call, ILogger logger)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "A checkpoint report was lost (it only feeds the progress display)");
        }
    }
}
