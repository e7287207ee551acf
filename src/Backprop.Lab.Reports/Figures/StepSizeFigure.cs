using Backprop.Core.Checking;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 7, for the gradient checker: relative error of the central difference against the step h on log-log axes,
/// one line per swept entry. Truncation error (~h^2) falls to the left until rounding (~eps/h) rises: the V, with its
/// bottom near eps^(1/3). Reference slopes h^2 and 1/h are drawn through the first line's best point.
/// </summary>
public static class StepSizeFigure
{
    private const int MaxSubject = 90;

    public static Figure Build(StepSweepResult sweep, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        // The subject names every layer, too long for one title line at report size: it goes on a second line, shortened.
        string precision = sweep.Precision == Precision.Single ? "float32" : "float64";
        string subject = sweep.Subject.Length <= MaxSubject ? sweep.Subject : sweep.Subject[..(MaxSubject - 1)] + "…";
        Plot plot = FigureStyle.NewPlot($"finite-difference step sweep, {precision}\n{subject}", "step h (log scale)", "relative error (log scale)");
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity, xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        for (int i = 0; i < sweep.Series.Count; i++)
        {
            SweepSeries s = sweep.Series[i];
            // An exact difference has error 0; draw it at a floor below everything else rather than drop it.
            double[] xs = s.Points.Select(p => Math.Log10(p.Step)).ToArray();
            double[] ys = s.Points.Select(p => Math.Log10(Math.Max(p.RelativeError, 1e-17))).ToArray();
            var line = plot.Add.Scatter(xs, ys, FigureStyle.Series(i));
            line.LineWidth = 3;
            line.MarkerSize = 9;
            line.LegendText = $"{s.Entry} (best h = {s.Best.Step:0e0})";
            (xMin, xMax) = (Math.Min(xMin, xs.Min()), Math.Max(xMax, xs.Max()));
            (yMin, yMax) = (Math.Min(yMin, ys.Min()), Math.Max(yMax, ys.Max()));
        }
        if (sweep.Series.Count > 0)
        {
            // Drawn after the series so the legend lists the entries first.
            SweepPoint best = sweep.Series[0].Best;
            double bx = Math.Log10(best.Step), by = Math.Log10(Math.Max(best.RelativeError, 1e-17));
            Reference(plot, bx, by, 2, xMax, "truncation ∝ h²");
            Reference(plot, bx, by, -1, xMin, "rounding ∝ ε/h");
        }
        if (double.IsFinite(yMin))
        {
            plot.Axes.SetLimits(xMin - 0.3, xMax + 0.3, yMin - 0.5, yMax + 0.5);
            FigureStyle.LogTicksX(plot, xMin - 0.3, xMax + 0.3);
            FigureStyle.LogTicksY(plot, yMin - 0.5, yMax + 0.5);
        }
        FigureStyle.ShowLegend(plot, Alignment.UpperCenter);
        return new Figure("step-sweep", "Gradient check: step-size V-curve",
            "Relative error of the central difference (J(w + h) − J(w − h)) / 2h against the analytic gradient. Large h: truncation error ∝ h²; "
            + "small h: rounding error ∝ ε/h; the best h sits between, near ε^(1/3).",
            [plot], options.Width, options.Height);
    }

    private static void Reference(Plot plot, double x0, double y0, double slope, double x1, string legend)
    {
        var line = plot.Add.Line(x0, y0, x1, y0 + slope * (x1 - x0));
        line.LineColor = Colors.Gray;
        line.LinePattern = LinePattern.Dotted;
        line.LineWidth = 2;
        line.LegendText = legend;
    }
}
