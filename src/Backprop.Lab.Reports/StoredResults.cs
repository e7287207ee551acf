using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports;

/// <summary>
/// What a results folder holds that a report can use: sweep.json as text and the readable trials of trials.jsonl,
/// with every line that could not be read (truncated, malformed, another schema) listed with its reason.
/// Read-only: the report never changes the results it is drawn from.
/// </summary>
public sealed record StoredResults(string Directory, string? SweepText, IReadOnlyList<TrialResult> Trials, IReadOnlyList<SkippedItem> Skipped)
{
    public const string SweepFileName = "sweep.json";
    public const string TrialsFileName = "trials.jsonl";
    public const string SummaryFileName = "summary.csv";

    /// <summary>
    /// What the report is called: the sweep's "name" from sweep.json, which stays the same however the folder is named
    /// (results/NAME-TIMESTAMP by default, anything with --out); the folder's name when sweep.json is missing or unreadable.
    /// </summary>
    public string Name => TopLevelString(SweepText, "name") ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Directory)));

    /// <summary>The reproduction whose claims these results are checked against: sweep.json's "paper", or null.</summary>
    public string? Paper => TopLevelString(SweepText, "paper");

    /// <summary>A top-level string property of a sweep file's text (its "name", its "paper"), or null when absent or unreadable.</summary>
    public static string? TopLevelString(string? sweepText, string property)
    {
        if (sweepText is null)
        {
            return null;
        }
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(sweepText.TrimStart('\uFEFF'),
                new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static StoredResults Load(string directory)
    {
        var skipped = new List<SkippedItem>();
        if (!System.IO.Directory.Exists(directory))
        {
            skipped.Add(new SkippedItem(directory, "the folder does not exist"));
            return new StoredResults(directory, null, [], skipped);
        }
        string sweepPath = Path.Combine(directory, SweepFileName);
        string? sweepText = File.Exists(sweepPath) ? File.ReadAllText(sweepPath) : null;
        if (sweepText is null)
        {
            skipped.Add(new SkippedItem(SweepFileName, "not found: the report shows no sweep file"));
        }
        string trialsPath = Path.Combine(directory, TrialsFileName);
        if (!File.Exists(trialsPath))
        {
            skipped.Add(new SkippedItem(TrialsFileName, "not found: there are no trials to plot"));
            return new StoredResults(directory, sweepText, [], skipped);
        }
        // Later lines of the same trial replace earlier ones, as in the results folder itself (a retried failure).
        var trials = new Dictionary<string, TrialResult>(StringComparer.Ordinal);
        int number = 0;
        foreach (string line in File.ReadLines(trialsPath))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            TrialResult? result = ResultFormat.FromJsonLine(line, out string? problem);
            if (result is null)
            {
                skipped.Add(new SkippedItem($"{TrialsFileName} line {number}", problem ?? "unreadable"));
                continue;
            }
            trials[result.Key] = result;
        }
        if (number == 0)
        {
            skipped.Add(new SkippedItem(TrialsFileName, "empty: no trial has finished yet"));
        }
        return new StoredResults(directory, sweepText, trials.Values.ToArray(), skipped);
    }
}
