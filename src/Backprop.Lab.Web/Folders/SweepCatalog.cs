using Serilog;

namespace Backprop.Lab.Web.Folders;

/// <summary>
/// The results folders served: each root given that is itself a results folder, and every results folder directly
/// inside a root (results/NAME-TIMESTAMP). Kept current by a <see cref="FileSystemWatcher"/> per root: a new folder
/// appears as soon as its sweep.json or trials.jsonl does, and an append to a folder's trials.jsonl refreshes that
/// folder. A slow timer re-checks everything too, for changes a watcher can miss (its buffer overflowing, network
/// file systems). Symbolic links are not followed.
/// </summary>
public sealed class SweepCatalog : IDisposable
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _timer;
    private IReadOnlyDictionary<string, SweepFolder> _byId = new Dictionary<string, SweepFolder>(StringComparer.Ordinal);
    private long _version;

    public SweepCatalog(IReadOnlyList<string> roots)
    {
        Roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToArray();
        Rescan();
        foreach (string root in Roots.Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, e) => OnChange(e.FullPath);
            watcher.Created += (_, e) => OnChange(e.FullPath);
            watcher.Deleted += (_, e) => OnChange(e.FullPath);
            watcher.Renamed += (_, e) => OnChange(e.FullPath);
            watcher.Error += (_, e) =>
            {
                Log.Debug(e.GetException(), "Watching {Root} lost events; re-reading every folder", root);
                RefreshAll();
            };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        _timer = new Timer(_ => RefreshAll(), null, Recheck, Recheck);
    }

    public IReadOnlyList<string> Roots { get; }

    /// <summary>Raised when a folder's trials or the set of folders changed (with the folder, or null for the set).</summary>
    public event Action<SweepFolder?>? Changed;

    /// <summary>Goes up with every change of the set of folders.</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyList<SweepFolder> Folders
    {
        get
        {
            lock (_gate)
            {
                return _byId.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
            }
        }
    }

    public SweepFolder? Find(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    private void OnChange(string path)
    {
        try
        {
            string name = Path.GetFileName(path);
            string? parent = Path.GetDirectoryName(path);
            SweepFolder? folder = parent is null ? null : Folders.FirstOrDefault(f => string.Equals(f.Path, parent, StringComparison.Ordinal));
            if (folder is not null && name == Reports.StoredResults.TrialsFileName)
            {
                folder.Refresh();
                return;
            }
            // A folder appearing, going or gaining its sweep.json: the set of folders may have changed.
            if (name == Reports.StoredResults.SweepFileName || Roots.Contains(parent, StringComparer.Ordinal) || Roots.Contains(path, StringComparer.Ordinal))
            {
                Rescan();
                folder?.Refresh();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Debug(e, "Could not read the change at {Path}", path);
        }
    }

    private void RefreshAll()
    {
        try
        {
            Rescan();
            foreach (SweepFolder folder in Folders)
            {
                folder.Refresh();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Debug(e, "Could not re-read the served folders");
        }
    }

    /// <summary>Finds the results folders under the roots; folders already known keep their state and id.</summary>
    private void Rescan()
    {
        var found = new List<string>();
        foreach (string root in Roots)
        {
            if (ServedPaths.IsResultsFolder(root))
            {
                found.Add(root);
            }
            if (ServedPaths.IsPlainDirectory(root))
            {
                found.AddRange(Directory.EnumerateDirectories(root).Where(ServedPaths.IsResultsFolder).Order(StringComparer.Ordinal));
            }
        }
        bool changed;
        lock (_gate)
        {
            var byPath = _byId.Values.ToDictionary(f => f.Path, StringComparer.Ordinal);
            var next = new Dictionary<string, SweepFolder>(StringComparer.Ordinal);
            foreach (string path in found.Distinct(StringComparer.Ordinal))
            {
                if (byPath.TryGetValue(path, out SweepFolder? known))
                {
                    next[known.Id] = known;
                }
            }
            foreach (string path in found.Distinct(StringComparer.Ordinal).Where(p => !byPath.ContainsKey(p)))
            {
                string name = Path.GetFileName(path);
                string id = name;
                for (int n = 2; next.ContainsKey(id); n++)
                {
                    id = $"{name}-{n}";
                }
                var folder = new SweepFolder(id, path);
                folder.Changed += _ => Changed?.Invoke(folder);
                next[id] = folder;
            }
            changed = !next.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(_byId.Keys);
            _byId = next;
        }
        if (changed)
        {
            Interlocked.Increment(ref _version);
            Changed?.Invoke(null);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        foreach (FileSystemWatcher watcher in _watchers)
        {
            watcher.Dispose();
        }
    }
}
