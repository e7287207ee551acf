using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Draws a depth x sigma_w^2 grid as coloured rectangles on axes that are logarithmic where the sweep is geometric,
/// so irregular grids (0.5, 1, 2, 4) get even cells; empty cells are light grey. Small grids also print each cell's
/// value, so the figure can be read without the colour bar.
/// </summary>
internal static class Cells
{
    private const int MaxLabelledCells = 80;

    public static (AxisScale X, AxisScale Y) Draw(Plot plot, IReadOnlyList<double> xs, IReadOnlyList<double> ys, double[,] values,
        Func<double, Color> color, Func<double, string>? label = null, Func<int, int, string?>? mark = null)
    {
        AxisScale x = AxisScale.For(xs), y = AxisScale.For(ys, ratio: 4);
        double[] xe = x.Edges(xs), ye = y.Edges(ys);
        bool labels = label is not null && xs.Count * ys.Count <= MaxLabelledCells;
        for (int r = 0; r < ys.Count; r++)
        {
            for (int c = 0; c < xs.Count; c++)
            {
                double v = values[r, c];
                var rect = plot.Add.Rectangle(xe[c], xe[c + 1], ye[r], ye[r + 1]);
                rect.FillColor = double.IsFinite(v) ? color(v) : Colors.LightGray;
                rect.LineColor = Colors.White;
                rect.LineWidth = 1;
                string? text = mark?.Invoke(r, c) ?? (labels && double.IsFinite(v) ? label!(v) : null);
                if (text is { Length: > 0 })
                {
                    var t = plot.Add.Text(text, (xe[c] + xe[c + 1]) / 2, (ye[r] + ye[r + 1]) / 2);
                    t.Alignment = Alignment.MiddleCenter;
                    t.LabelFontSize = xs.Count > 6 ? 12 : 15;
                    t.LabelFontColor = Colors.Black;
                    t.LabelBackgroundColor = Colors.White.WithAlpha(0.6);
                }
            }
        }
        FigureStyle.DataTicks(plot.Axes.Bottom, x, xs);
        FigureStyle.DataTicks(plot.Axes.Left, y, ys);
        plot.Axes.SetLimits(xe[0], xe[^1], ye[0], ye[^1]);
        plot.HideGrid();
        return (x, y);
    }
}
