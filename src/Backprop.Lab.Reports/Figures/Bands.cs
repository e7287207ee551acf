using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// A line with a band: the mean over seeds of log10 values at each x, shaded from the smallest to the largest seed.
/// Non-finite or non-positive values (a vanished or diverged seed) are left out of that x.
/// </summary>
internal static class Bands
{
    /// <summary>Adds the band (<see cref="Analysis.LogBand"/>) and the mean line; returns the line (null when no point is finite) and the log10 range drawn.</summary>
    public static (ScottPlot.Plottables.Scatter? Line, double Min, double Max) AddLog(Plot plot, IReadOnlyList<IReadOnlyList<double>> seeds, Func<int, double> x, Color color, string legend)
    {
        Analysis.LogBand b = Analysis.LogBand.Of(seeds);
        double[] xs = b.Index.Select(x).ToArray();
        double[] mean = b.Mean, lo = b.Min, hi = b.Max;
        if (xs.Length == 0)
        {
            return (null, double.NaN, double.NaN);
        }
        if (seeds.Count > 1 && xs.Length > 1)
        {
            var band = plot.Add.FillY(xs, lo, hi);
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
        }
        var line = plot.Add.Scatter(xs, mean, color);
        line.LineWidth = 3;
        line.MarkerSize = xs.Length > 40 ? 0 : 7;
        line.LegendText = legend;
        return (line, lo.Min(), hi.Max());
    }

    /// <summary>Evenly chosen items, at most <paramref name="max"/>, always keeping the first and the last.</summary>
    public static IReadOnlyList<T> Thin<T>(IReadOnlyList<T> items, int max)
    {
        if (items.Count <= max || max < 2)
        {
            return items.Take(Math.Max(1, max)).ToArray();
        }
        return Enumerable.Range(0, max).Select(i => items[(int)Math.Round(i * (items.Count - 1.0) / (max - 1))]).Distinct().ToArray();
    }
}
