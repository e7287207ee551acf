using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Architectures compared, for sweeps that vary the architecture or the norm: the back-propagated error ratio
/// |delta_1| / |delta_L| at initialisation against depth, one panel per activation and sigma_w^2, one line per
/// architecture (<see cref="ShapeComparison"/>: the median over seeds and the other axes, which the caption names). A
/// plain net's line falls or rises exponentially with depth away from the critical line; the residual one's stays near 1
/// or bends more slowly, which is what the skips are for.
/// </summary>
public static class ArchitectureFigure
{
    /// <summary>Whether the sweep compares architectures at several depths: only then does the figure have something to show.</summary>
    public static bool Applies(IReadOnlyList<TrialResult> trials)
    {
        IReadOnlyList<string> varying = SweepAxes.Varying(trials.Select(t => t.Config));
        return varying.Contains("depth") && ShapeComparison.VariesArchitecture(varying);
    }

    public static Figure? Build(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        ShapeComparison comparison = ShapeComparison.Of(trials);
        if (comparison.Compared.Count == 0)
        {
            return null;
        }
        var panels = new List<Plot>();
        foreach (ShapePanel panel in comparison.Panels)
        {
            Plot plot = FigureStyle.NewPlot(panel.Title, "depth L", "|δ₁| / |δ_L| at init (log scale)");
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < panel.Lines.Count; i++)
            {
                var points = panel.Lines[i].Medians(t => t.Summary?.DeltaRatioInit);
                if (points.Count == 0)
                {
                    continue;
                }
                double[] ys = points.Select(p => Math.Log10(p.Median)).ToArray();
                var scatter = plot.Add.Scatter(points.Select(p => (double)p.Depth).ToArray(), ys, FigureStyle.Series(i));
                scatter.LegendText = panel.Lines[i].Label;
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                (min, max) = (Math.Min(min, ys.Min()), Math.Max(max, ys.Max()));
            }
            // The band between vanishing (< 0.1) and exploding (> 10), as the regimes are defined.
            var band = plot.Add.VerticalSpan(-1, 1);
            band.FillStyle.Color = Colors.Gray.WithAlpha(0.12);
            (min, max) = (Math.Min(min, -1.2), Math.Max(max, 1.2));
            double pad = Math.Max(0.1, (max - min) * 0.06);
            plot.Axes.SetLimitsY(min - pad, max + pad);
            FigureStyle.LogTicksY(plot, min - pad, max + pad);
            FigureStyle.ShowLegend(plot, Alignment.LowerLeft);
            panels.Add(plot);
        }
        int columns = Math.Min(3, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        return new Figure("architectures", "Architectures compared: error ratio against depth",
            "One line per architecture; the grey band is the stable regime (0.1 to 10). A plain net's ratio moves exponentially with depth off the "
            + "critical line; an identity skip adds a path around every block, so the residual net's error reaches the first layer at any depth "
            + "(it may still grow, polynomially or, for relu at α = 1, exponentially: the branch adds variance every block)." + comparison.AveragingNote,
            panels, options.Width / 2 * columns, options.Height * rows / 2 + options.Height / 3, columns);
    }
}
