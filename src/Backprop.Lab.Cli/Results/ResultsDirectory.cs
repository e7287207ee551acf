using System.Text;
using Backprop.Core.Experiments;
using Serilog;

namespace Backprop.Lab.Cli.Results;

/// <summary>
/// A sweep's results folder: sweep.json (the file as run), trials.jsonl and summary.csv. Files are written
/// whole to a temporary name and renamed over the old ones, so an interrupted run never leaves a half-written
/// file; results already on disk are loaded first, so a resumed sweep keeps them and skips their trials.
/// </summary>
public sealed class ResultsDirectory
{
    private readonly Dictionary<string, TrialResult> _results = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly object _gate = new();
    private DateTime _lastFlush = DateTime.MinValue;

    private ResultsDirectory(string path) => Path = path;

    public string Path { get; }

    public string TrialsFile => System.IO.Path.Combine(Path, "trials.jsonl");
    public string SummaryFile => System.IO.Path.Combine(Path, "summary.csv");
    public string SweepFile => System.IO.Path.Combine(Path, "sweep.json");

    /// <summary>Trials already finished (loaded from an earlier run or added since).</summary>
    public IReadOnlyCollection<string> DoneKeys
    {
        get
        {
            lock (_gate)
            {
                return _results.Keys.ToArray();
            }
        }
    }

    /// <summary>Lines of trials.jsonl that could not be read (with the reason), reported to the user.</summary>
    public List<string> Skipped { get; } = [];

    /// <summary>Creates a new results folder for a sweep and writes sweep.json.</summary>
    public static ResultsDirectory Create(string path, string sweepText)
    {
        Directory.CreateDirectory(path);
        var results = new ResultsDirectory(path);
        WriteAtomically(results.SweepFile, sweepText);
        return results;
    }

    /// <summary>Opens an existing results folder, loading every readable trial of trials.jsonl.</summary>
    public static ResultsDirectory Open(string path)
    {
        var results = new ResultsDirectory(path);
        if (File.Exists(results.TrialsFile))
        {
            int number = 0;
            foreach (string line in File.ReadLines(results.TrialsFile))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                TrialResult? result = ResultFormat.FromJsonLine(line, out string? problem);
                if (result is null)
                {
                    results.Skipped.Add($"trials.jsonl line {number}: {problem}");
                    continue;
                }
                results.AddCore(result);
            }
        }
        return results;
    }

    /// <summary>Adds a finished trial (failed trials are kept only until the trial succeeds) and flushes at most every two seconds.</summary>
    public void Add(TrialResult result)
    {
        lock (_gate)
        {
            AddCore(result);
            if (DateTime.UtcNow - _lastFlush > TimeSpan.FromSeconds(2))
            {
                FlushCore();
            }
        }
    }

    /// <summary>Writes trials.jsonl and summary.csv now.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            FlushCore();
        }
    }

    public IReadOnlyList<TrialResult> All()
    {
        lock (_gate)
        {
            return _order.Select(k => _results[k]).ToArray();
        }
    }

    private void AddCore(TrialResult result)
    {
        if (_results.TryGetValue(result.Key, out TrialResult? existing) && existing.Outcome != Outcomes.Failed)
        {
            Log.Debug("Trial {TrialKey} already recorded; keeping the first result", result.Key);
            return;
        }
        if (existing is null)
        {
            _order.Add(result.Key);
        }
        _results[result.Key] = result;
    }

    private void FlushCore()
    {
        var jsonl = new StringBuilder();
        var csv = new StringBuilder(ResultFormat.CsvHeader()).Append('\n');
        foreach (string key in _order)
        {
            TrialResult r = _results[key];
            jsonl.Append(ResultFormat.ToJsonLine(r)).Append('\n');
            csv.Append(ResultFormat.CsvRow(r)).Append('\n');
        }
        WriteAtomically(TrialsFile, jsonl.ToString());
        WriteAtomically(SummaryFile, csv.ToString());
        _lastFlush = DateTime.UtcNow;
    }

    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }
}
