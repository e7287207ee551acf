using System.Text;
using Backprop.Core.Experiments;
using Serilog;

namespace Backprop.Lab.Cli.Results;

/// <summary>
/// A sweep's results folder: sweep.json (the file as run), trials.jsonl and summary.csv. New results are appended
/// to trials.jsonl (rewriting it whole at every save made a long sweep quadratic: 2,000 trials of 43 KB each would
/// rewrite 86 MB a second); it is written whole, to a temporary name renamed over the old file, only when a record
/// already on disk changes (a failed trial that later succeeded) or the file may end in a torn line (an interrupted
/// run, which readers skip). summary.csv, a few hundred bytes a trial, is always written whole that way. Results
/// already on disk are loaded first, so a resumed sweep keeps them and skips their trials.
/// </summary>
public sealed class ResultsDirectory
{
    private readonly Dictionary<string, TrialResult> _results = new(StringComparer.Ordinal);

    // Each trial's trials.jsonl line and summary.csv row, made once when it is added: summary.csv (and now and then
    // trials.jsonl) is written whole, and re-serialising every result each time would make a long sweep quadratic.
    private readonly Dictionary<string, (string Json, string Csv)> _lines = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    // The first _written trials of _order are in trials.jsonl as they are now; the rest are appended at the next
    // save, unless _rewrite asks for the whole file to be written again.
    private int _written;
    private bool _rewrite;
    private readonly object _gate = new();
    private DateTime _lastFlush = DateTime.MinValue;

    private ResultsDirectory(string path) => Path = path;

    public string Path { get; }

    public string TrialsFile => System.IO.Path.Combine(Path, "trials.jsonl");
    public string SummaryFile => System.IO.Path.Combine(Path, "summary.csv");
    public string SweepFile => System.IO.Path.Combine(Path, "sweep.json");
    public string LogFile => System.IO.Path.Combine(Path, "log.jsonl");

    /// <summary>
    /// The id of this results folder's sweep in the cluster ("name-xxxxxxxx"), kept in .sweep-id so a resumed run
    /// talks to the same SweepGrain and collects what finished while the client was away.
    /// </summary>
    public string SweepId { get; private set; } = "";

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

    /// <summary>Reads .sweep-id, creating it from <paramref name="sweepName"/> and a random suffix the first time.</summary>
    public string EnsureSweepId(string sweepName)
    {
        string file = System.IO.Path.Combine(Path, ".sweep-id");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing)
        {
            return SweepId = existing;
        }
        SweepId = $"{sweepName}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        WriteAtomically(file, SweepId + "\n");
        return SweepId;
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
                results.AddCore(result, line);
            }
            // What was read is on disk, unless a line could not be read (then it is dropped by a rewrite) or the file
            // ends in a torn line that an append would run on from.
            results._written = results._order.Count;
            results._rewrite = results.Skipped.Count > 0 || !EndsWithNewline(results.TrialsFile);
        }
        return results;
    }

    /// <summary>
    /// Adds a finished trial (a failed trial's record is replaced when the trial later succeeds). <paramref name="jsonLine"/>,
    /// when given, is the line <paramref name="result"/> was read from, written as it is rather than serialised again
    /// (a silo's result is 40 KB of JSON); a line that is not one line is serialised again all the same.
    /// </summary>
    public void Add(TrialResult result, string? jsonLine = null)
    {
        lock (_gate)
        {
            AddCore(result, jsonLine);
        }
    }

    /// <summary>Writes the files if <paramref name="interval"/> has passed since the last write; true if it wrote.</summary>
    public bool FlushIfDue(TimeSpan interval)
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _lastFlush < interval)
            {
                return false;
            }
            FlushCore();
            return true;
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

    private void AddCore(TrialResult result, string? jsonLine = null)
    {
        if (_results.TryGetValue(result.Key, out TrialResult? existing) && existing.Outcome != Outcome.Failed)
        {
            Log.Debug("Trial {TrialKey} already recorded; keeping the first result", result.Key);
            return;
        }
        if (existing is null)
        {
            _order.Add(result.Key);
        }
        else if (_order.IndexOf(result.Key) < _written)
        {
            _rewrite = true; // its failed record is on disk: replace it rather than append a second one
        }
        _results[result.Key] = result;
        string json = jsonLine is not null && jsonLine.Length > 0 && jsonLine.AsSpan().IndexOfAny('\n', '\r') < 0 ? jsonLine : ResultFormat.ToJsonLine(result);
        _lines[result.Key] = (json, ResultFormat.CsvRow(result));
    }

    private void FlushCore()
    {
        if (_rewrite)
        {
            var jsonl = new StringBuilder();
            foreach (string key in _order)
            {
                jsonl.Append(_lines[key].Json).Append('\n');
            }
            WriteAtomically(TrialsFile, jsonl.ToString());
            _rewrite = false;
        }
        else if (_written < _order.Count)
        {
            var jsonl = new StringBuilder();
            for (int i = _written; i < _order.Count; i++)
            {
                jsonl.Append(_lines[_order[i]].Json).Append('\n');
            }
            _rewrite = true; // until the append is complete: a failed one may leave a torn line
            using (var stream = new FileStream(TrialsFile, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                stream.Write(Utf8.GetBytes(jsonl.ToString()));
            }
            _rewrite = false;
        }
        _written = _order.Count;
        var csv = new StringBuilder(ResultFormat.CsvHeader()).Append('\n');
        foreach (string key in _order)
        {
            csv.Append(_lines[key].Csv).Append('\n');
        }
        WriteAtomically(SummaryFile, csv.ToString());
        _lastFlush = DateTime.UtcNow;
    }

    private static readonly UTF8Encoding Utf8 = new(false);

    private static bool EndsWithNewline(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0)
        {
            return true;
        }
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }
}
