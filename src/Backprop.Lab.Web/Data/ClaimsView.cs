using Backprop.Core.Experiments;
using Backprop.Lab.Reports;
using Backprop.Lab.Reports.Papers;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// The sweep view's claims section for a reproduction's results folder (sweep.json names a "paper"): each claim of
/// <see cref="Reproduction.Evaluate"/> on every trial of the folder (not only those a filter keeps: a claim is about the
/// whole run), and the distinct figures the claims point at by index, drawn in the page from these numbers.
/// </summary>
public sealed record ClaimsView(string Paper, string Citation, string DocsPage, int Passed, IReadOnlyList<ClaimRow> Claims, IReadOnlyList<ClaimFigure> Figures)
{
    /// <summary>The section, or null when the folder names no reproduction this build has.</summary>
    public static ClaimsView? Of(string? sweepText, IReadOnlyList<TrialResult> trials)
    {
        if (StoredResults.TopLevelString(sweepText, "paper") is not string paper || Reproductions.Find(paper) is not Reproduction r)
        {
            return null;
        }
        IReadOnlyList<ClaimResult> claims = r.Evaluate(trials);
        var figures = new List<ClaimFigure>();
        var rows = new List<ClaimRow>();
        foreach (ClaimResult c in claims)
        {
            int? figure = null;
            if (c.Figure is not null && c.Verdict != Verdict.NoData)
            {
                int at = figures.FindIndex(f => ReferenceEquals(f, c.Figure));
                figure = at >= 0 ? at : figures.Count;
                if (at < 0)
                {
                    figures.Add(c.Figure);
                }
            }
            rows.Add(new ClaimRow(c.Id, c.Claim, c.PaperValue, c.Measured, c.Tolerance, ClaimTable.VerdictText(c.Verdict), figure));
        }
        return new ClaimsView(r.Name, r.Citation, r.DocsPage, claims.Count(c => c.Verdict == Verdict.Pass), rows, figures);
    }
}

/// <param name="Verdict">"PASS", "FAIL" or "NO DATA", as lab reproduce prints it.</param>
/// <param name="Figure">The index in <see cref="ClaimsView.Figures"/> of the claim's figure, or null.</param>
public sealed record ClaimRow(string Id, string Claim, string Paper, string Measured, string Tolerance, string Verdict, int? Figure);
