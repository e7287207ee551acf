using Backprop.Lab.Contracts;
using Orleans.Concurrency;

namespace Backprop.Lab.Grains;

/// <summary>
/// Soft state: a sweep not announced for ten seconds (its grain went away) drops out. Reentrant so that a worker waiting
/// for work holds up no announcement.
/// </summary>
[Reentrant]
public sealed class SweepDirectory : Grain, ISweepDirectory
{
    private readonly Dictionary<string, DateTime> _open = new(StringComparer.Ordinal);
    private TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Announce(string sweepId, bool hasPending)
    {
        if (!hasPending)
        {
            _open.Remove(sweepId);
            return Task.CompletedTask;
        }
        _open[sweepId] = DateTime.UtcNow;
        _opened.TrySetResult();
        _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<string>> Open(TimeSpan maxWait)
    {
        DateTime stale = DateTime.UtcNow - TimeSpan.FromSeconds(10);
        foreach (string sweepId in _open.Where(o => o.Value < stale).Select(o => o.Key).ToArray())
        {
            _open.Remove(sweepId);
        }
        if (_open.Count == 0 && maxWait > TimeSpan.Zero)
        {
            await Task.WhenAny(_opened.Task, Task.Delay(maxWait < TimeSpan.FromSeconds(5) ? maxWait : TimeSpan.FromSeconds(5)));
        }
        return [.. _open.Keys];
    }
}
