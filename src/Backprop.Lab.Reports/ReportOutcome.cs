namespace Backprop.Lab.Reports;

/// <summary>Something the report left out, and why (a line of trials.jsonl, a figure, a group of trials).</summary>
public sealed record SkippedItem(string What, string Why)
{
    public override string ToString() => $"{What}: {Why}";
}

/// <summary>A figure written to report/figures/: its files (relative to the report folder), title and caption.</summary>
public sealed record RenderedFigure(string Name, string Title, string Caption, string PngPath, string? SvgPath);

/// <summary>
/// What <see cref="ReportRenderer.Render"/> did: the report it wrote, the trials it drew from, the figures it rendered
/// and everything it skipped with the reason.
/// </summary>
public sealed record ReportOutcome(
    string ResultsDirectory,
    string? IndexPath,
    int TrialsRead,
    IReadOnlyList<RenderedFigure> Figures,
    IReadOnlyList<SkippedItem> Skipped,
    TimeSpan Elapsed)
{
    /// <summary>True when the report shows at least one trial; false when nothing could be rendered.</summary>
    public bool Rendered => IndexPath is not null && TrialsRead > 0;

    /// <summary>One line for a terminal or a log.</summary>
    public string SummaryLine() => Rendered
        ? $"report: {IndexPath} ({TrialsRead} trial{(TrialsRead == 1 ? "" : "s")}, {Figures.Count} figure{(Figures.Count == 1 ? "" : "s")}"
          + (Skipped.Count > 0 ? $", {Skipped.Count} item{(Skipped.Count == 1 ? "" : "s")} skipped" : "") + ")"
        : $"no report rendered for {ResultsDirectory}: nothing valid to show";
}
