using System.Runtime.CompilerServices;
using Backprop.Lab.Reports.Figures;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// The claims of the reproduction a results folder names (sweep.json's "paper"), evaluated on its trials, with the file
/// name of each distinct claim figure (claims that share a figure share its file): the report's first section.
/// </summary>
public sealed class PaperClaims
{
    private PaperClaims(Reproduction reproduction, IReadOnlyList<ClaimResult> claims)
    {
        Reproduction = reproduction;
        Claims = claims;
        var names = new Dictionary<ClaimFigure, string>(ReferenceEqualityComparer.Instance);
        foreach (ClaimResult c in claims.Where(c => c.Figure is not null && c.Verdict != Verdict.NoData))
        {
            names.TryAdd(c.Figure!, "claim-" + c.Id);
        }
        FigureNames = names;
    }

    public Reproduction Reproduction { get; }
    public IReadOnlyList<ClaimResult> Claims { get; }

    /// <summary>The figure file stem of each distinct figure (figures of claims without data are not drawn).</summary>
    public IReadOnlyDictionary<ClaimFigure, string> FigureNames { get; }

    /// <summary>The claims of the folder's reproduction; null when it names none, with a skipped item when it names one this build lacks.</summary>
    public static PaperClaims? Of(StoredResults results, List<SkippedItem> skipped)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(skipped);
        if (results.Paper is not string paper)
        {
            return null;
        }
        if (Reproductions.Find(paper) is not Reproduction reproduction)
        {
            skipped.Add(new SkippedItem("claims", $"sweep.json names the reproduction \"{paper}\", which this build does not have (lab reproduce --list)"));
            return null;
        }
        return new PaperClaims(reproduction, reproduction.Evaluate(results.Trials));
    }

    /// <summary>One report figure builder per distinct claim figure.</summary>
    internal IEnumerable<(string Name, Func<Figure?> Build)> Builders(ReportOptions options) =>
        FigureNames.Select(p => ($"claim figure {p.Value}", (Func<Figure?>)(() => ClaimFigureRenderer.Build(p.Value, p.Key, Caption(p.Key), options))));

    /// <summary>The claims a figure shows, as its caption.</summary>
    public string Caption(ClaimFigure figure) =>
        "Shows: " + string.Join("; ", Claims.Where(c => ReferenceEquals(c.Figure, figure)).Select(c => $"{c.Claim} ({ClaimTable.VerdictText(c.Verdict)})")) + ".";
}
