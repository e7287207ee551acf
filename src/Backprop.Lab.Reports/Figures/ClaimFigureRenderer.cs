using Backprop.Lab.Reports.Papers;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>Draws a claim's <see cref="ClaimFigure"/> for the report: measured series as markers and lines, theory dashed.</summary>
public static class ClaimFigureRenderer
{
    public static Figure Build(string name, ClaimFigure figure, string caption, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(figure);
        ArgumentNullException.ThrowIfNull(options);
        Plot plot = FigureStyle.NewPlot(figure.Title, figure.XLabel, figure.YLabel);
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity, yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        int colour = 0;
        SeriesStyle? previous = null;
        var drawn = new List<(double X, double Y)>();
        foreach (FigureSeries s in figure.Series)
        {
            // Log axes are drawn as log10 of the values, with decade ticks; points a log axis cannot place are left out.
            var points = s.X.Zip(s.Y)
                .Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!figure.LogX || p.First > 0) && (!figure.LogY || p.Second > 0))
                .Select(p => (X: figure.LogX ? Math.Log10(p.First) : p.First, Y: figure.LogY ? Math.Log10(p.Second) : p.Second)).ToArray();
            // A theory line right after a measured series is its prediction, in its colour; other theory lines are black.
            Color color = s.Style != SeriesStyle.Theory ? FigureStyle.Series(colour++)
                : previous == SeriesStyle.Measured ? FigureStyle.Series(colour - 1) : Colors.Black;
            previous = s.Style;
            if (points.Length == 0)
            {
                continue;
            }
            double[] xs = points.Select(p => p.X).ToArray(), ys = points.Select(p => p.Y).ToArray();
            var scatter = s.Style == SeriesStyle.Points ? plot.Add.ScatterPoints(xs, ys, color) : plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = s.Name;
            scatter.MarkerSize = s.Style == SeriesStyle.Theory ? 0 : s.Style == SeriesStyle.Points ? 10 : 7;
            scatter.LineWidth = s.Style == SeriesStyle.Points ? 0 : 2;
            if (s.Style == SeriesStyle.Theory)
            {
                scatter.LinePattern = LinePattern.Dashed;
            }
            drawn.AddRange(points);
            (xMin, xMax) = (Math.Min(xMin, xs.Min()), Math.Max(xMax, xs.Max()));
            (yMin, yMax) = (Math.Min(yMin, ys.Min()), Math.Max(yMax, ys.Max()));
        }
        if (double.IsFinite(xMin))
        {
            double xPad = Math.Max((xMax - xMin) * 0.04, 0.05), yPad = Math.Max((yMax - yMin) * 0.06, 0.05);
            plot.Axes.SetLimits(xMin - xPad, xMax + xPad, yMin - yPad, yMax + yPad);
            if (figure.LogX)
            {
                FigureStyle.LogTicksX(plot, xMin - xPad, xMax + xPad);
            }
            if (figure.LogY)
            {
                FigureStyle.LogTicksY(plot, yMin - yPad, yMax + yPad);
            }
        }
        FigureStyle.ShowLegend(plot, EmptiestCorner(drawn, xMin, xMax, yMin, yMax));
        return new Figure(name, figure.Title, caption, [plot], options.Width, options.Height);
    }

    /// <summary>The corner of the plot with the fewest points near it, for the legend (upper right when tied).</summary>
    private static Alignment EmptiestCorner(IReadOnlyList<(double X, double Y)> points, double xMin, double xMax, double yMin, double yMax)
    {
        double Fx(double x) => xMax > xMin ? (x - xMin) / (xMax - xMin) : 0.5;
        double Fy(double y) => yMax > yMin ? (y - yMin) / (yMax - yMin) : 0.5;
        (Alignment Where, Func<double, double, bool> Near)[] corners =
        [
            (Alignment.UpperRight, (x, y) => x > 0.6 && y > 0.6),
            (Alignment.UpperLeft, (x, y) => x < 0.4 && y > 0.6),
            (Alignment.LowerRight, (x, y) => x > 0.6 && y < 0.4),
            (Alignment.LowerLeft, (x, y) => x < 0.4 && y < 0.4),
        ];
        return corners.MinBy(c => points.Count(p => c.Near(Fx(p.X), Fy(p.Y)))).Where;
    }
}
