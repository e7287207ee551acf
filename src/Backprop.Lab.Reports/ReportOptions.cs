namespace Backprop.Lab.Reports;

/// <summary>How a report is rendered.</summary>
/// <param name="Width">Figure width in pixels (PNG and SVG).</param>
/// <param name="Height">Figure height in pixels.</param>
/// <param name="Svg">Also write each figure as SVG beside its PNG.</param>
/// <param name="MaxSeries">At most this many lines per panel in the profile and training-curve figures (evenly chosen),
/// so a large sweep stays readable.</param>
public sealed record ReportOptions(int Width = 1200, int Height = 800, bool Svg = true, int MaxSeries = 8)
{
    public const string ReportFolder = "report";
    public const string FiguresFolder = "figures";
    public const string IndexFile = "index.html";
}
