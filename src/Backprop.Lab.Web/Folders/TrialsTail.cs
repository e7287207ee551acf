using System.Text;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Folders;

/// <summary>
/// Reads a growing trials.jsonl from where the last read stopped, taking only complete lines (ending in '\n'): the
/// runner appends a trial's line in one write, and a reader that sees half of it (a torn last line) reads it at the
/// next change, once it is whole. When the file was replaced (the runner rewrites it whole, renamed over the old one,
/// when a record on disk changes) or shrank, the whole file is read again: the bytes before the offset are checked
/// against what was read there, so a rewrite is noticed even when it made the file longer.
/// </summary>
internal sealed class TrialsTail(string path)
{
    // The last bytes before the offset as read: if they differ now, the file is no longer the one read so far.
    private const int FingerprintLength = 256;

    private long _offset;
    private byte[] _fingerprint = [];
    private int _lineNumber;

    public string Path { get; } = path;

    /// <summary>Lines read so far that were not a readable trial, with the reason ("trials.jsonl line 5: ...").</summary>
    public List<string> Unreadable { get; } = [];

    /// <summary>
    /// The trials appended since the last call, in file order; <paramref name="restarted"/> is true when the file was
    /// read from its start again (replaced, truncated or removed), and then the result is every trial in it.
    /// </summary>
    public IReadOnlyList<TrialResult> ReadNew(out bool restarted)
    {
        restarted = false;
        FileStream stream;
        try
        {
            if (!ServedPaths.IsPlainFile(Path))
            {
                throw new FileNotFoundException(null, Path);
            }
            stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            restarted = _offset > 0;
            Reset();
            return [];
        }
        using (stream)
        {
            if (stream.Length < _offset || !SameFingerprint(stream))
            {
                restarted = true;
                Reset();
            }
            long length = stream.Length;
            if (length == _offset)
            {
                return [];
            }
            stream.Position = _offset;
            byte[] bytes = new byte[length - _offset];
            stream.ReadExactly(bytes);
            int end = Array.LastIndexOf(bytes, (byte)'\n');
            if (end < 0)
            {
                return [];
            }
            var trials = new List<TrialResult>();
            for (int start = 0; start <= end;)
            {
                int newline = Array.IndexOf(bytes, (byte)'\n', start, end + 1 - start);
                Take(bytes.AsSpan(start, newline - start), trials);
                start = newline + 1;
            }
            _offset += end + 1;
            _fingerprint = end + 1 >= FingerprintLength
                ? bytes.AsSpan(end + 1 - FingerprintLength, FingerprintLength).ToArray()
                : [.. _fingerprint.AsSpan(Math.Max(0, _fingerprint.Length + end + 1 - FingerprintLength)), .. bytes.AsSpan(0, end + 1)];
            return trials;
        }
    }

    private void Take(ReadOnlySpan<byte> line, List<TrialResult> trials)
    {
        _lineNumber++;
        if (line.Trim(" \t\r"u8).IsEmpty)
        {
            return;
        }
        string? problem;
        TrialResult? result;
        try
        {
            result = ResultFormat.FromJsonLine(StrictUtf8.GetString(line), out problem);
        }
        catch (DecoderFallbackException)
        {
            (result, problem) = (null, "not UTF-8 text");
        }
        if (result is null)
        {
            Unreadable.Add($"{System.IO.Path.GetFileName(Path)} line {_lineNumber}: {problem ?? "unreadable"}");
            return;
        }
        trials.Add(result);
    }

    private bool SameFingerprint(FileStream stream)
    {
        if (_fingerprint.Length == 0)
        {
            return true;
        }
        var now = new byte[_fingerprint.Length];
        stream.Position = _offset - _fingerprint.Length;
        stream.ReadExactly(now);
        return now.AsSpan().SequenceEqual(_fingerprint);
    }

    private void Reset()
    {
        _offset = 0;
        _fingerprint = [];
        _lineNumber = 0;
        Unreadable.Clear();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
}
