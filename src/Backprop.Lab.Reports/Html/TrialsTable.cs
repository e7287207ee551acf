using System.Globalization;
using System.Text;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Html;

/// <summary>The sortable trials table: configuration, outcome, measured and predicted chi1, error ratio, final loss.</summary>
internal static class TrialsTable
{
    private static readonly string[] Headers =
        ["key", "activation", "L", "N", "init", "σ_w²", "σ_b", "seed", "steps", "outcome", "χ₁ measured", "χ₁ same layers", "χ₁(q*)", "|δ₁|/|δ_L| init", "final loss"];

    public static void Append(StringBuilder h, IReadOnlyList<TrialResult> trials)
    {
        h.Append("<table class=\"sortable\">\n<thead><tr>");
        foreach (string header in Headers)
        {
            h.Append($"<th>{HtmlReport.E(header)}</th>");
        }
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (TrialResult t in trials.OrderBy(t => t.Config.Activation, StringComparer.Ordinal).ThenBy(t => t.Config.Depth).ThenBy(t => t.Config.SigmaW2).ThenBy(t => t.Config.Seed))
        {
            TrialConfig c = t.Config;
            TrialSummary? s = t.Summary;
            h.Append($"<tr class=\"{HtmlReport.E(t.Outcome)}\">");
            Text(h, t.Key);
            Text(h, c.Activation);
            Number(h, c.Depth);
            Number(h, c.Width);
            Text(h, c.Init);
            Number(h, c.SigmaW2);
            Number(h, c.SigmaB);
            Number(h, c.Seed);
            Number(h, c.Steps);
            Text(h, t.Outcome + (t.DivergedAtStep is int k ? $" at step {k}" : "") + (t.Error is string e ? $": {e}" : ""));
            Number(h, s?.LogSlopeMeasured is double m ? Math.Exp(m) : null);
            Number(h, s?.LogSlopePredicted is double p ? Math.Exp(p) : null);
            Number(h, s?.Chi1Predicted);
            Number(h, s?.DeltaRatioInit);
            Number(h, t.FinalLoss);
            h.Append("</tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
    }

    private static void Text(StringBuilder h, string text) => h.Append($"<td class=\"text\">{HtmlReport.E(text)}</td>");

    private static void Number(StringBuilder h, double? v)
    {
        if (v is not double x)
        {
            h.Append("<td data-v=\"NaN\"></td>");
            return;
        }
        string value = double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
        string shown = double.IsFinite(x) ? x.ToString("G4", CultureInfo.InvariantCulture) : value;
        h.Append($"<td data-v=\"{value}\">{shown}</td>");
    }

    private static void Number(StringBuilder h, ulong v) => Number(h, (double)v);
}
