namespace Backprop.Core.Experiments;

/// <summary>
/// Trials in a fixed order, made as they are reached: a sweep's <see cref="SweepGrid"/>, or a list of trials
/// (<see cref="TrialList"/>). What a runner needs to submit them a window at a time and to recognise a result as one of them.
/// </summary>
public interface ITrialSequence
{
    long Count { get; }

    /// <summary>The trials from <paramref name="start"/> to the end, in order.</summary>
    IEnumerable<Trial> From(long start = 0);

    /// <summary>The index of the trial with this key and configuration, or null when there is none.</summary>
    long? IndexOf(string key, TrialConfig config);
}

/// <summary>A list of trials as an <see cref="ITrialSequence"/>: trials that are not the expansion of a sweep file.</summary>
public sealed class TrialList(IReadOnlyList<Trial> trials) : ITrialSequence
{
    private readonly Dictionary<string, int> _index = trials.Select((t, i) => (t.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);

    public long Count => trials.Count;

    public IEnumerable<Trial> From(long start = 0) => trials.Skip((int)Math.Min(start, trials.Count));

    public long? IndexOf(string key, TrialConfig config) => _index.TryGetValue(key, out int i) ? i : null;
}
