using System.Globalization;
using System.Net;
using System.Text;
using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Html;

/// <summary>
/// Writes report/index.html: the findings per activation, the figures (PNG beside the page, SVG linked), a sortable
/// table of every trial, what was skipped and why, the sweep file, and links to the raw results one folder up.
/// </summary>
internal static class HtmlReport
{
    public static string Build(StoredResults results, IReadOnlyList<ActivationFindings> findings, IReadOnlyList<RenderedFigure> figures, IReadOnlyList<SkippedItem> skipped,
        Papers.PaperClaims? claims = null)
    {
        var h = new StringBuilder();
        string name = results.Name;
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append($"<title>Gradient flow: {E(name)}</title>\n<style>\n{ReportAssets.Css}\n</style>\n</head>\n<body>\n");
        h.Append($"<h1>Gradient flow: {E(name)}</h1>\n");
        h.Append($"<p class=\"meta\">{E(ResultCounts.Of(results.Trials).Describe())}. ");
        h.Append($"Raw results: <a href=\"../{StoredResults.TrialsFileName}\">{StoredResults.TrialsFileName}</a>, <a href=\"../{StoredResults.SummaryFileName}\">{StoredResults.SummaryFileName}</a>");
        h.Append(results.SweepText is null ? "" : $", <a href=\"../{StoredResults.SweepFileName}\">{StoredResults.SweepFileName}</a>");
        h.Append(".</p>\n");

        if (claims is not null)
        {
            AppendClaims(h, claims, figures);
        }

        h.Append("<h2>Where gradients vanish and explode</h2>\n<ul class=\"findings\">\n");
        foreach (ActivationFindings f in findings)
        {
            h.Append($"<li>{E(f.Sentence())}</li>\n");
        }
        h.Append("</ul>\n<p class=\"caption\">Measured from the back-propagated error δ_l = ∂J/∂z_l at initialisation: |δ₁|/|δ_L| ≈ χ₁^((L−1)/2). ");
        h.Append("The measured critical σ_w² is finite-depth: where the variance q^l has not settled at q* (tanh at σ_b = 0 reaches q* = 0 only like 1/l) ");
        h.Append("it lies above the mean-field critical line and approaches it as depth grows; theory for the same layers accounts for that.</p>\n");

        if (skipped.Count > 0)
        {
            h.Append("<h2>Skipped</h2>\n<div class=\"skipped\"><ul>\n");
            foreach (SkippedItem s in skipped)
            {
                h.Append($"<li><b>{E(s.What)}</b>: {E(s.Why)}</li>\n");
            }
            h.Append("</ul></div>\n");
        }

        h.Append("<h2>Figures</h2>\n");
        foreach (RenderedFigure f in figures.Where(f => claims is null || !claims.FigureNames.Values.Contains(f.Name)))
        {
            h.Append($"<figure id=\"{E(f.Name)}\">\n<h3>{E(f.Title)}</h3>\n<img src=\"{E(f.PngPath)}\" alt=\"{E(f.Title)}\">\n");
            h.Append($"<figcaption class=\"caption\">{E(f.Caption)}");
            h.Append(f.SvgPath is null ? "" : $" <a href=\"{E(f.SvgPath)}\">SVG</a>");
            h.Append("</figcaption>\n</figure>\n");
        }

        h.Append("<h2>Trials</h2>\n<p class=\"meta\">Click a column to sort. χ₁ measured = exp of the fitted slope of ln E‖δ_l‖²; predicted for the same layers and at q*.</p>\n");
        TrialsTable.Append(h, results.Trials);

        if (results.SweepText is not null)
        {
            h.Append($"<h2>Sweep file</h2>\n<pre>{E(results.SweepText)}</pre>\n");
        }
        h.Append($"<script>\n{ReportAssets.SortScript}\n</script>\n</body>\n</html>\n");
        return h.ToString();
    }

    /// <summary>The reproduction's claims table (verdicts coloured), then each claim figure with the claims it shows.</summary>
    private static void AppendClaims(StringBuilder h, Papers.PaperClaims claims, IReadOnlyList<RenderedFigure> figures)
    {
        Papers.Reproduction r = claims.Reproduction;
        int passed = claims.Claims.Count(c => c.Verdict == Papers.Verdict.Pass);
        h.Append($"<h2 id=\"claims\">Claims of {E(r.Citation)}</h2>\n");
        h.Append($"<p class=\"meta\">{passed} of {claims.Claims.Count} claims pass. Each claim's reasoning and tolerance: {E(r.DocsPage)} in the repository.</p>\n");
        h.Append("<table class=\"claims\">\n<thead><tr><th>claim</th><th>paper</th><th>measured</th><th>tolerance</th><th>verdict</th></tr></thead>\n<tbody>\n");
        foreach (Papers.ClaimResult c in claims.Claims)
        {
            string verdict = Papers.ClaimTable.VerdictText(c.Verdict);
            h.Append($"<tr id=\"claim-{E(c.Id)}\"><td>{E(c.Claim)}</td><td>{E(c.PaperValue)}</td><td>{E(c.Measured)}</td><td>{E(c.Tolerance)}</td>");
            h.Append($"<td class=\"verdict {verdict.ToLowerInvariant().Replace(' ', '-')}\">{E(verdict)}</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
        foreach (RenderedFigure f in figures.Where(f => claims.FigureNames.Values.Contains(f.Name)))
        {
            h.Append($"<figure id=\"{E(f.Name)}\">\n<h3>{E(f.Title)}</h3>\n<img src=\"{E(f.PngPath)}\" alt=\"{E(f.Title)}\">\n");
            h.Append($"<figcaption class=\"caption\">{E(f.Caption)}");
            h.Append(f.SvgPath is null ? "" : $" <a href=\"{E(f.SvgPath)}\">SVG</a>");
            h.Append("</figcaption>\n</figure>\n");
        }
    }

    internal static string E(string text) => WebUtility.HtmlEncode(text);
}
