using System.Text;
using System.Text.Json;
using Backprop.Core.Experiments;
using Backprop.Lab.Reports;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Folders;
using Backprop.Lab.Web.Serving;

namespace Backprop.Lab.Web;

/// <summary>
/// The sweep view as one self-contained HTML file, report/sweep.html, that works offline and from file://: the page,
/// its stylesheet, plotly.js and the page's scripts inline, and the <see cref="SweepView"/> of every trial as JSON in
/// the page. Trials' checkpoints (and what the trial view shows of their Jacobian spectra) are included while they fit in <see cref="DetailBudget"/> bytes, so a small sweep's
/// trial views work too; a large one's trial views say to open the folder with <c>lab serve</c>.
/// </summary>
public static class StaticExport
{
    public const string FileName = "sweep.html";

    /// <summary>How many bytes of per-checkpoint detail an export carries at most.</summary>
    public const long DetailBudget = 8 * 1024 * 1024;

    /// <summary>Writes report/sweep.html for the results folder; returns its path.</summary>
    public static string Write(string resultsDirectory, StoredResults? loaded = null)
    {
        StoredResults results = loaded ?? StoredResults.Load(resultsDirectory);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(resultsDirectory)));
        var snapshot = new SweepSnapshot(name, name, resultsDirectory, 1, results.SweepText, results.Trials,
            results.Skipped.Select(s => $"{s.What}: {s.Why}").ToArray());
        string path = Path.Combine(resultsDirectory, ReportOptions.ReportFolder, FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Backprop.Core.Serialization.AtomicFile.WriteText(path, Html(snapshot));
        return path;
    }

    public static string Html(SweepSnapshot snapshot)
    {
        SweepView view = SweepView.Of(snapshot);
        var details = new Dictionary<string, TrialResult>(StringComparer.Ordinal);
        long size = 0;
        foreach (TrialResult t in snapshot.Trials)
        {
            // About 24 bytes of JSON per number: 9 numbers per layer per checkpoint; up to 8 per histogram count.
            size += t.Checkpoints.Sum(c => 24L * 9 * (c.Layers.Count + 1) + c.Layers.Sum(l => 8L * (Counts(l.GradHist) + Counts(l.ActHist) + 8)));
            if (size > DetailBudget)
            {
                details.Clear();
                break;
            }
            details[t.Key] = t;
        }
        var jacobians = details.Values.Select(t => (t.Key, View: JacobianView.Of(t))).Where(j => j.View is not null).ToDictionary(j => j.Key, j => j.View, StringComparer.Ordinal);
        var data = new { Summary = SweepSummary.Of(snapshot), Sweep = view, Details = details, Jacobians = jacobians };
        // The default encoder writes <, > and & as \u003C etc., so the JSON cannot end its script element.
        string json = JsonSerializer.Serialize(data, WebJson.Options);
        string page = Assets.Text(Assets.Index);
        page = Replace(page, "<link rel=\"stylesheet\" href=\"app.css\">", $"<style>\n{Assets.Text(Assets.Css)}\n</style>");
        // Inline classic scripts run where they stand, before the inline module (deferred as every module script).
        page = Replace(page, $"<script src=\"{Assets.Plotly}\" defer></script>", $"<script>\n{Script(Assets.Text(Assets.Plotly))}\n</script>");
        foreach (string script in Assets.PageScripts)
        {
            page = Replace(page, $"<script src=\"{script}\" defer></script>", $"<script>\n{Script(Assets.Text(script))}\n</script>");
        }
        page = Replace(page, "<script type=\"module\" src=\"app.js\" async></script>",
            $"<script id=\"lab-data\" type=\"application/json\">{json}</script>\n<script type=\"module\">\n{Script(Assets.Text(Assets.App))}\n</script>");
        return page;
    }

    private static long Counts(Histogram? h) => (h?.Neg?.Length ?? 0) + (h?.Pos?.Length ?? 0);

    private static string Replace(string page, string tag, string with)
    {
        int at = page.IndexOf(tag, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"index.html has no {tag} to inline");
        }
        return new StringBuilder(page.Length + with.Length).Append(page, 0, at).Append(with).Append(page, at + tag.Length, page.Length - at - tag.Length).ToString();
    }

    /// <summary>Script text that cannot close or comment out its script element early (in JavaScript strings, \/ is / and \! is !).</summary>
    private static string Script(string js) => js.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase).Replace("<!--", "<\\!--", StringComparison.Ordinal);
}
