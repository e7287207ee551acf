using System.Text;
using Backprop.Core.Experiments;
using Backprop.Core.Serialization;
using Serilog;

namespace Backprop.Lab.Cli.Results;

/// <summary>
/// A sweep's results folder: sweep.json (the file as run), trials.jsonl and summary.csv. New results are appended
/// to trials.jsonl (rewriting it whole at every save would make a long sweep quadratic: 2,000 trials of 43 KB each
/// would rewrite 86 MB a second); it is written whole, to a temporary name renamed over the old file, only when a
/// record already on disk changes (a failed trial that later succeeded), lines go to quarantine, or the file may end
/// in a torn line. summary.csv, a few hundred bytes a trial, is always written whole that way. Results already on disk
/// are loaded first, so a resumed sweep keeps them and skips their trials. A save that fails (a full disk) loses
/// nothing: every finished result stays in memory until a later save has written it.
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

    // Lines of trials.jsonl bound for the quarantine file, kept until they are on disk there.
    private readonly List<byte[]> _quarantine = [];

    // The failed save, when the last one failed: when failures began, the wait before the next try, and when that is.
    private Exception? _saveError;
    private string? _saveProblem;
    private DateTime _failingSince;
    private TimeSpan _backoff;
    private DateTime _retryAt = DateTime.MinValue;

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

    /// <summary>
    /// What opening the folder moved to <see cref="QuarantineFile"/>, one entry per line ("trials.jsonl line 5: why"),
    /// reported to the user.
    /// </summary>
    public List<string> Quarantined { get; } = [];

    /// <summary>
    /// Where lines of trials.jsonl that cannot be results of this sweep go, byte for byte, one per line: lines that
    /// are not UTF-8 or not a result, lines of a newer schema, a torn last line, a second result for a trial, and
    /// results of trials the sweep file does not have. Nothing a user has is deleted.
    /// </summary>
    public string QuarantineFile => System.IO.Path.Combine(Path, "trials.quarantine.jsonl");

    /// <summary>Why the last save failed (a full disk, a read-only folder), or null when everything is on disk.</summary>
    public string? SaveProblem
    {
        get
        {
            lock (_gate)
            {
                return _saveProblem;
            }
        }
    }

    /// <summary>Finished results not on disk yet.</summary>
    public int Unsaved
    {
        get
        {
            lock (_gate)
            {
                return _order.Count - _written;
            }
        }
    }

    /// <summary>Creates a new results folder for a sweep and writes sweep.json.</summary>
    public static ResultsDirectory Create(string path, string sweepText)
    {
        Directory.CreateDirectory(path);
        var results = new ResultsDirectory(path);
        AtomicWrite(results.SweepFile, sweepText);
        return results;
    }

    /// <summary>Replaces the folder's sweep.json with <paramref name="sweepText"/> (an extended sweep).</summary>
    public static void RecordSweep(string path, string sweepText) => AtomicWrite(System.IO.Path.Combine(path, "sweep.json"), sweepText);

    /// <summary>Reads .sweep-id, creating it from <paramref name="sweepName"/> and a random suffix the first time.</summary>
    public string EnsureSweepId(string sweepName)
    {
        string file = System.IO.Path.Combine(Path, ".sweep-id");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing)
        {
            return SweepId = existing;
        }
        SweepId = $"{sweepName}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        AtomicWrite(file, SweepId + "\n");
        return SweepId;
    }

    /// <summary>
    /// Opens an existing results folder, loading every result of trials.jsonl. Lines that cannot be one of its results
    /// (see <see cref="QuarantineFile"/>; with <paramref name="isTrial"/>, also results it says are of other trials) are moved
    /// to the quarantine file before trials.jsonl is written again without them; if that cannot be written now (a
    /// full disk), both files stay as they are until a save succeeds. The caller holds the folder's
    /// <see cref="ResultsFolderLock"/>.
    /// </summary>
    public static ResultsDirectory Open(string path, Func<TrialResult, bool>? isTrial = null)
    {
        var results = new ResultsDirectory(path);
        if (!File.Exists(results.TrialsFile))
        {
            return results;
        }
        byte[] bytes = File.ReadAllBytes(results.TrialsFile);
        var raw = new Dictionary<string, (int Number, byte[] Line)>(StringComparer.Ordinal);
        int number = 0;
        for (int start = 0; start < bytes.Length;)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', start);
            bool torn = newline < 0;
            int end = torn ? bytes.Length : newline;
            byte[] line = bytes[start..end];
            start = end + 1;
            number++;
            if (line.AsSpan().Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }
            string? problem = null;
            TrialResult? result = null;
            try
            {
                result = ResultFormat.FromJsonLine(StrictUtf8.GetString(line), out problem);
            }
            catch (DecoderFallbackException)
            {
                problem = "not UTF-8 text";
            }
            if (result is not null && isTrial is not null && !isTrial(result))
            {
                problem = $"trial {result.Key} is not a trial of this sweep";
                result = null;
            }
            if (result is not null && results._results.TryGetValue(result.Key, out TrialResult? earlier))
            {
                if (earlier.Outcome == Outcome.Failed && result.Outcome != Outcome.Failed)
                {
                    results.Quarantine(raw[result.Key].Number, raw[result.Key].Line, $"a failed result of trial {result.Key}, replaced by a later one");
                    results._results.Remove(result.Key);
                    results._order.Remove(result.Key);
                }
                else
                {
                    problem = $"a second result of trial {result.Key}";
                    result = null;
                }
            }
            if (result is null)
            {
                results.Quarantine(number, line, torn ? $"{problem} (a torn last line)" : problem);
                continue;
            }
            raw[result.Key] = (number, line);
            results.AddCore(result, Utf8.GetString(line));
        }
        // What was read is on disk as it stands, unless lines go to quarantine or the file ends in a line an append
        // would run on from: then it is written whole at once (and again at each save until that succeeds).
        results._written = results._order.Count;
        if (results._quarantine.Count > 0 || bytes.Length > 0 && bytes[^1] != (byte)'\n')
        {
            results._rewrite = true;
            results.TrySave();
        }
        return results;
    }

    private void Quarantine(int number, byte[] line, string? why)
    {
        Quarantined.Add($"trials.jsonl line {number}: {why}");
        _quarantine.Add(line);
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

    /// <summary>
    /// Saves if <paramref name="interval"/> has passed since the last save and no failed save is waiting out its
    /// backoff; true if everything is on disk afterwards. Never throws for a failed write (see <see cref="TrySave"/>).
    /// </summary>
    public bool FlushIfDue(TimeSpan interval)
    {
        lock (_gate)
        {
            DateTime now = DateTime.UtcNow;
            return now - _lastFlush < interval || now < _retryAt ? _saveProblem is null && _written == _order.Count : SaveCore();
        }
    }

    /// <summary>Writes trials.jsonl and summary.csv now; a failed write throws (and everything stays to be saved again).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (!SaveCore())
            {
                throw _saveError!;
            }
        }
    }

    /// <summary>
    /// Writes trials.jsonl and summary.csv now; false if a write failed (<see cref="SaveProblem"/> says why). Nothing
    /// finished is dropped: it stays in memory, and the next save writes it. A failed append is cut back to where it
    /// started, so trials.jsonl never keeps a torn line.
    /// </summary>
    public bool TrySave()
    {
        lock (_gate)
        {
            return SaveCore();
        }
    }

    /// <summary>
    /// Saves, retrying with backoff (1, 2, 4 ... 15 s) while writes fail, until everything is on disk (true), or
    /// <paramref name="giveUpAfter"/> has passed since saving began to fail, or <paramref name="cancellation"/> fires
    /// (false). <paramref name="waiting"/> hears each failed attempt.
    /// </summary>
    public async Task<bool> SaveWithRetryAsync(TimeSpan giveUpAfter, Action<string> waiting, CancellationToken cancellation)
    {
        while (!TrySave())
        {
            TimeSpan wait;
            lock (_gate)
            {
                if (DateTime.UtcNow - _failingSince >= giveUpAfter || cancellation.IsCancellationRequested)
                {
                    return false;
                }
                wait = _retryAt - DateTime.UtcNow;
            }
            waiting(WaitingMessage());
            try
            {
                await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, cancellation);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"N finished results are waiting to be saved in DIR: why".</summary>
    public string WaitingMessage()
    {
        lock (_gate)
        {
            int unsaved = _order.Count - _written;
            return $"{unsaved} finished result{(unsaved == 1 ? " is" : "s are")} waiting to be saved in {Path}: {_saveProblem}";
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

    private bool SaveCore()
    {
        try
        {
            WriteQuarantine();
            WriteTrials();
            var csv = new StringBuilder(ResultFormat.CsvHeader()).Append('\n');
            foreach (string key in _order)
            {
                csv.Append(_lines[key].Csv).Append('\n');
            }
            AtomicWrite(SummaryFile, csv.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_saveProblem is null)
            {
                _failingSince = DateTime.UtcNow;
                _backoff = TimeSpan.FromSeconds(1);
            }
            else
            {
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            _saveError = e;
            _saveProblem = e.Message;
            _retryAt = DateTime.UtcNow + _backoff;
            Log.Information("Saving results in {ResultsPath} failed ({Error}); {Unsaved} results wait in memory", Path, e.Message, _order.Count - _written);
            return false;
        }
        _saveProblem = null;
        _saveError = null;
        _lastFlush = DateTime.UtcNow;
        return true;
    }

    /// <summary>Appends lines bound for quarantine, and forgets them only once they are on disk.</summary>
    private void WriteQuarantine()
    {
        if (_quarantine.Count == 0)
        {
            return;
        }
        AppendOrCutBack(QuarantineFile, _quarantine.SelectMany(line => line.Append((byte)'\n')).ToArray());
        _quarantine.Clear();
    }

    private void WriteTrials()
    {
        if (_rewrite)
        {
            var jsonl = new StringBuilder();
            foreach (string key in _order)
            {
                jsonl.Append(_lines[key].Json).Append('\n');
            }
            AtomicWrite(TrialsFile, jsonl.ToString());
            _rewrite = false;
        }
        else if (_written < _order.Count)
        {
            var jsonl = new StringBuilder();
            for (int i = _written; i < _order.Count; i++)
            {
                jsonl.Append(_lines[_order[i]].Json).Append('\n');
            }
            AppendOrCutBack(TrialsFile, Utf8.GetBytes(jsonl.ToString()));
        }
        _written = _order.Count;
    }

    /// <summary>
    /// Appends <paramref name="bytes"/> and flushes them to the disk; if that fails part-way, the file is cut back to
    /// its length before, so no torn line stays (if even that fails, the next save writes the file whole).
    /// </summary>
    private void AppendOrCutBack(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        long before = stream.Length;
        try
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            try
            {
                stream.SetLength(before);
            }
            catch (IOException)
            {
                _rewrite = path == TrialsFile || _rewrite;
            }
            throw;
        }
    }

    private static readonly UTF8Encoding Utf8 = new(false);
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    /// <summary>Replaces <paramref name="path"/> whole (see <see cref="AtomicFile"/>: never half written, never through a planted link).</summary>
    private static void AtomicWrite(string path, string text) => AtomicFile.WriteText(path, text);
}
