namespace Backprop.Lab.Reports.Papers;

/// <summary>The claims as a text table (a Markdown pipe table, so it reads in a terminal and pastes into docs).</summary>
public static class ClaimTable
{
    public static void Write(TextWriter o, IReadOnlyList<ClaimResult> claims)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(claims);
        string[] header = ["claim", "paper", "measured", "tolerance", "verdict"];
        var rows = claims.Select(c => new[] { c.Claim, c.PaperValue, c.Measured, c.Tolerance, VerdictText(c.Verdict) }).ToList();
        int[] widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        o.WriteLine(Line(header));
        o.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (string[] row in rows)
        {
            o.WriteLine(Line(row));
        }
    }

    public static string VerdictText(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "PASS",
        Verdict.Fail => "FAIL",
        _ => "NO DATA",
    };
}
