using Backprop.Core.Experiments;
using Backprop.Lab.Reports;

namespace Backprop.Lab.Web.Folders;

/// <summary>
/// One served results folder as it stands: its sweep.json text and its trials, kept in memory and brought up to date
/// by <see cref="Refresh"/> from the lines appended to trials.jsonl since the last read (<see cref="TrialsTail"/>).
/// A later line of a trial replaces its earlier one, as in <see cref="StoredResults"/>. Every change makes a new
/// <see cref="Snapshot"/> with a higher version, which the pages are told of.
/// </summary>
public sealed class SweepFolder
{
    private readonly object _gate = new();
    private readonly TrialsTail _tail;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<TrialResult> _trials = [];
    private SweepSnapshot _snapshot;

    internal SweepFolder(string id, string path)
    {
        Id = id;
        Path = path;
        _tail = new TrialsTail(System.IO.Path.Combine(path, StoredResults.TrialsFileName));
        _snapshot = new SweepSnapshot(id, Name, path, 0, null, [], []);
        Refresh();
    }

    /// <summary>The id pages use for this folder (its name, made unique among the served folders).</summary>
    public string Id { get; }

    public string Path { get; }

    /// <summary>The folder's name, as the pages show it.</summary>
    public string Name => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(Path));

    /// <summary>Raised after a change, with the new snapshot (on the thread that noticed it).</summary>
    public event Action<SweepSnapshot>? Changed;

    public SweepSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                return _snapshot;
            }
        }
    }

    /// <summary>Reads what was appended to trials.jsonl (and sweep.json again); true and <see cref="Changed"/> when anything changed.</summary>
    public bool Refresh()
    {
        SweepSnapshot next;
        lock (_gate)
        {
            IReadOnlyList<TrialResult> added = _tail.ReadNew(out bool restarted);
            string? sweepText = ReadSweep();
            if (restarted)
            {
                _index.Clear();
                _trials.Clear();
            }
            foreach (TrialResult t in added)
            {
                if (_index.TryGetValue(t.Key, out int at))
                {
                    _trials[at] = t;
                }
                else
                {
                    _index[t.Key] = _trials.Count;
                    _trials.Add(t);
                }
            }
            if (!restarted && added.Count == 0 && sweepText == _snapshot.SweepText && _tail.Unreadable.Count == _snapshot.Unreadable.Count)
            {
                return false;
            }
            next = _snapshot = new SweepSnapshot(Id, Name, Path, _snapshot.Version + 1, sweepText, _trials.ToArray(), _tail.Unreadable.ToArray());
        }
        Changed?.Invoke(next);
        return true;
    }

    private string? ReadSweep()
    {
        string file = System.IO.Path.Combine(Path, StoredResults.SweepFileName);
        try
        {
            return ServedPaths.IsPlainFile(file) ? File.ReadAllText(file) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return _snapshot.SweepText;
        }
    }
}

/// <summary>A results folder at one moment: what every response about it is computed from.</summary>
/// <param name="Unreadable">Lines of trials.jsonl that are not a readable trial, with the reason.</param>
public sealed record SweepSnapshot(string Id, string Name, string Path, long Version, string? SweepText, IReadOnlyList<TrialResult> Trials, IReadOnlyList<string> Unreadable);
