using System.Globalization;
using System.Text.Json.Nodes;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Results;

/// <summary>A results folder made ready for a run: its sweep, its results so far, and the run's lock on it.</summary>
internal sealed record Prepared(SweepSpec Spec, ResultsDirectory Results, ResultsFolderLock Lock, bool Created);

/// <summary>
/// How <c>lab sweep</c> chooses and opens its results folder. A folder is locked for the whole run before anything in
/// it is read or written; a folder holding another sweep, or an edited version of this one, is refused (or, with
/// <c>--extend</c>, extended); a default folder name is never shared by two runs.
/// </summary>
internal static class ResultsFolders
{
    public static Prepared Prepare(TextWriter o, FileInfo? file, DirectoryInfo? output, DirectoryInfo? resume, bool allowLarge, bool extend)
    {
        if (resume is not null)
        {
            if (file is not null || output is not null)
            {
                throw new UserInputException("--resume DIR takes the sweep from DIR/sweep.json; give no sweep file and no --out with it");
            }
            if (extend)
            {
                throw new UserInputException("--extend adds an edited sweep file's trials to a folder: give the file and --out DIR, not --resume");
            }
            string folder = resume.FullName;
            if (!File.Exists(Path.Combine(folder, "sweep.json")))
            {
                throw new UserInputException(Directory.Exists(folder)
                    ? $"{folder} is not a results folder: it has no sweep.json"
                    : $"{folder} does not exist");
            }
            ResultsFolderLock held = ResultsFolderLock.Acquire(folder);
            return Open(o, SweepFile.Load(Path.Combine(folder, "sweep.json"), allowLarge: true), folder, held);
        }
        if (file is null)
        {
            throw new UserInputException("give a sweep file (e.g. experiments/quickstart.json) or --resume DIR");
        }
        // Validate completely before anything is written.
        return Prepare(o, SweepFile.Load(file.FullName, allowLarge), output, extend);
    }

    /// <summary>The folder for a validated sweep: --out DIR (new, resumed or extended), or a new results/NAME-TIMESTAMP.</summary>
    public static Prepared Prepare(TextWriter o, SweepSpec spec, DirectoryInfo? output, bool extend = false) =>
        output is not null ? Given(o, spec, output.FullName, extend)
            : Fresh(spec, Path.Combine(Environment.CurrentDirectory, "results", $"{spec.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}"));

    /// <summary>--out DIR: a new folder, or this sweep's folder resumed (or extended).</summary>
    private static Prepared Given(TextWriter o, SweepSpec spec, string folder, bool extend)
    {
        if (File.Exists(folder))
        {
            throw new UserInputException($"--out {folder} is a file, not a folder");
        }
        Directory.CreateDirectory(folder);
        ResultsFolderLock held = ResultsFolderLock.Acquire(folder);
        try
        {
            string existing = Path.Combine(folder, "sweep.json");
            if (File.Exists(existing))
            {
                SweepSpec previous = SweepFile.Load(existing, allowLarge: true);
                if (previous.Name != spec.Name)
                {
                    throw new UserInputException($"{folder} holds the results of sweep \"{previous.Name}\", not \"{spec.Name}\"; choose another --out");
                }
                return Open(o, Reconcile(o, previous, spec, folder, extend), folder, held);
            }
            if (!IsEmpty(folder))
            {
                throw new UserInputException($"{folder} exists and is not a results folder of this sweep; choose another --out");
            }
            return new Prepared(spec, ResultsDirectory.Create(folder, spec.SourceText), held, true);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>A new folder named <paramref name="stem"/> (results/NAME-TIMESTAMP), or STEM-2, STEM-3 ... when another run has that name.</summary>
    internal static Prepared Fresh(SweepSpec spec, string stem)
    {
        for (int n = 1; ; n++)
        {
            string folder = n == 1 ? stem : $"{stem}-{n}";
            if (File.Exists(folder) || Directory.Exists(folder) && !IsEmpty(folder))
            {
                continue;
            }
            Directory.CreateDirectory(folder);
            // Two runs may both have seen the name free: the lock decides, and the loser tries the next name.
            if (ResultsFolderLock.TryAcquire(folder) is not { } held)
            {
                continue;
            }
            if (!IsEmpty(folder))
            {
                held.Dispose();
                continue;
            }
            return new Prepared(spec, ResultsDirectory.Create(folder, spec.SourceText), held, true);
        }
    }

    /// <summary>
    /// The sweep to run in a folder whose sweep.json is <paramref name="previous"/>: the same trials resume; other trials
    /// are refused with what changed, unless <paramref name="extend"/> adds them (the folder's trials must all remain,
    /// so every result already there stays a result of the recorded sweep).
    /// </summary>
    private static SweepSpec Reconcile(TextWriter o, SweepSpec previous, SweepSpec next, string folder, bool extend)
    {
        // Each trial of one sweep is looked up in the other (no set of either's keys is made): two sweeps of the same
        // count have the same trials when every trial of the first is in the second, since no sweep repeats a trial.
        if (previous.SourceText == next.SourceText)
        {
            return previous;
        }
        SweepGrid before = new(previous), after = new(next);
        long removed = before.From().LongCount(t => after.IndexOf(t.Key, t.Config) is null);
        if (removed == 0 && before.Count == after.Count)
        {
            return previous;
        }
        long added = after.Count - (before.Count - removed);
        string change = $"the sweep file differs from {Path.Combine(folder, "sweep.json")} ({Differences(previous.SourceText, next.SourceText)}): " +
            $"{added} trial{(added == 1 ? "" : "s")} added, {removed} removed";
        if (!extend)
        {
            throw new UserInputException($"{change}. Run it in another folder (--out), or add --extend to add its trials to this one");
        }
        if (removed > 0)
        {
            throw new UserInputException($"{change}. --extend only adds trials; keep the folder's trials in the file, or use another --out");
        }
        // The sweep files before each extension are kept, so the folder records how it grew.
        int version = 1;
        while (File.Exists(Path.Combine(folder, $"sweep.{version}.json")))
        {
            version++;
        }
        File.Copy(Path.Combine(folder, "sweep.json"), Path.Combine(folder, $"sweep.{version}.json"));
        ResultsDirectory.RecordSweep(folder, next.SourceText);
        o.WriteLine($"extending {folder}: {added} trial{(added == 1 ? "" : "s")} added; the previous sweep file is kept as sweep.{version}.json");
        return next;
    }

    /// <summary>The changed fields, as "base.steps: 100 -> 200", "grid.learning_rate: [0.1] -> [0.1,0.01]".</summary>
    internal static string Differences(string beforeText, string afterText)
    {
        JsonNode? before = JsonNode.Parse(beforeText.TrimStart('\uFEFF')), after = JsonNode.Parse(afterText.TrimStart('\uFEFF'));
        var changes = new List<string>();
        Compare(before, after, "", 2, changes);
        return changes.Count == 0 ? "no field differs" : string.Join("; ", changes.Take(6)) + (changes.Count > 6 ? $"; {changes.Count - 6} more" : "");
    }

    private static void Compare(JsonNode? before, JsonNode? after, string path, int depth, List<string> changes)
    {
        if (JsonNode.DeepEquals(before, after) || path is "$schema" or "description")
        {
            return;
        }
        if (depth > 0 && before is JsonObject a && after is JsonObject b)
        {
            foreach (string name in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
            {
                Compare(a[name], b[name], path.Length == 0 ? name : $"{path}.{name}", depth - 1, changes);
            }
            return;
        }
        changes.Add($"{path}: {Short(before)} -> {Short(after)}");
    }

    private static string Short(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "(absent)";
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    private static Prepared Open(TextWriter o, SweepSpec spec, string folder, ResultsFolderLock held)
    {
        var grid = new SweepGrid(spec);
        ResultsDirectory results = ResultsDirectory.Open(folder, r => grid.IndexOf(r.Key, r.Config) is not null);
        if (results.Quarantined.Count > 0)
        {
            int n = results.Quarantined.Count;
            o.WriteLine($"moved {n} line{(n == 1 ? "" : "s")} of trials.jsonl that {(n == 1 ? "is" : "are")} not a readable result of this sweep to {results.QuarantineFile}, byte for byte:");
            foreach (string line in results.Quarantined)
            {
                o.WriteLine($"  {line}");
            }
        }
        return new Prepared(spec, results, held, false);
    }

    // The lock's own files do not make a folder a results folder.
    private static bool IsEmpty(string folder) =>
        !Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) is not (".lock" or ".lock-owner"));
}

/// <summary>Finished results that could not be written (a full disk), after retrying (exit code 6).</summary>
internal sealed class ResultsNotSavedException(ResultsDirectory results) : IOException(
    $"{results.WaitingMessage()}. Gave up retrying; those results are lost, and {results.Path} keeps every result saved before " +
    $"(no line is torn). Free space, then finish with: lab sweep --resume {results.Path}");
