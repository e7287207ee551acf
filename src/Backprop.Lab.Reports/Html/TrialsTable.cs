using System.Globalization;
using System.Text;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Html;

/// <summary>
/// The sortable trials table: configuration (a column for every axis the sweep varies beyond the usual ones), outcome,
/// regime at initialisation, measured and predicted chi1, error ratio, final loss.
/// </summary>
internal static class TrialsTable
{
    private static readonly string[] Leading = ["key", "activation", "L", "N", "init", "σ_w²", "σ_b", "seed", "steps"];

    private static readonly string[] Trailing =
        ["outcome", "regime", "χ₁ measured", "χ₁ same layers", "χ₁(q*)", "|δ₁|/|δ_L| init", "final loss"];

    /// <summary>The fields the leading columns show.</summary>
    private static readonly HashSet<string> Shown = new(StringComparer.Ordinal) { "activation", "depth", "width", "init", "sigma_w2", "sigma_b", "seed", "steps" };

    public static void Append(StringBuilder h, IReadOnlyList<TrialResult> trials)
    {
        string[] axes = SweepAxes.Varying(trials.Select(t => t.Config)).Where(f => !Shown.Contains(f)).ToArray();
        h.Append("<table class=\"sortable\">\n<thead><tr>");
        foreach (string header in Leading.Concat(axes).Concat(Trailing))
        {
            h.Append($"<th>{HtmlReport.E(header)}</th>");
        }
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (TrialResult t in trials.OrderBy(t => t.Config.Activation, StringComparer.Ordinal).ThenBy(t => t.Config.Depth).ThenBy(t => t.Config.SigmaW2).ThenBy(t => t.Config.Seed))
        {
            TrialConfig c = t.Config;
            TrialSummary? s = t.Summary;
            h.Append($"<tr class=\"{ResultFormat.Name(t.Outcome)}\">");
            Text(h, t.Key);
            Text(h, c.Activation);
            Number(h, c.Depth);
            Number(h, c.Width);
            Text(h, c.Init);
            Number(h, c.SigmaW2);
            Number(h, c.SigmaB);
            Number(h, c.Seed);
            Number(h, c.Steps);
            foreach (string axis in axes)
            {
                Value(h, SweepAxes.Value(c, axis));
            }
            Text(h, ResultFormat.Name(t.Outcome) + (t.DivergedAtStep is int k ? $" at step {k}" : "") + (t.Error is string e ? $": {e}" : ""));
            string regime = t.Regime is FlowRegime g ? ResultFormat.Name(g) : "";
            h.Append($"<td class=\"text {regime}\">{regime}</td>");
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

    /// <summary>A swept field's value exactly as summary.csv and the trial lines spell it; sorted as a number when it is one.</summary>
    private static void Value(StringBuilder h, string value)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            h.Append($"<td data-v=\"{HtmlReport.E(value)}\">{HtmlReport.E(value)}</td>");
        }
        else
        {
            Text(h, value);
        }
    }

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
