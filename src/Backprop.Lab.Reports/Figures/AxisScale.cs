using System.Globalization;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// A data axis drawn linearly or logarithmically. ScottPlot has no log axis: values are plotted as log10(v) and the
/// ticks are labelled with v, so sweeps whose sigma_w^2 or depth double at each step (0.5, 1, 2, 4; 4, 8, 16, 32)
/// get evenly spaced cells.
/// </summary>
public sealed record AxisScale(bool Log)
{
    public static AxisScale Linear { get; } = new(false);
    public static AxisScale Log10 { get; } = new(true);

    /// <summary>Logarithmic when every value is positive and they span at least a factor <paramref name="ratio"/>.</summary>
    public static AxisScale For(IEnumerable<double> values, double ratio = 3.5)
    {
        double[] v = values.Where(double.IsFinite).ToArray();
        return v.Length > 1 && v.Min() > 0 && v.Max() / v.Min() >= ratio ? Log10 : Linear;
    }

    public double Forward(double v) => Log ? Math.Log10(v) : v;

    public double Inverse(double t) => Log ? Math.Pow(10, t) : t;

    /// <summary>
    /// Cell edges around sorted distinct values, halfway between neighbours in plotted coordinates (a single value gets
    /// a cell of width 1, or a factor 2 on a log axis).
    /// </summary>
    public double[] Edges(IReadOnlyList<double> sorted)
    {
        double[] t = sorted.Select(Forward).ToArray();
        var edges = new double[t.Length + 1];
        if (t.Length == 1)
        {
            double half = Log ? Math.Log10(2) / 2 : 0.5;
            return [t[0] - half, t[0] + half];
        }
        for (int i = 1; i < t.Length; i++)
        {
            edges[i] = (t[i - 1] + t[i]) / 2;
        }
        edges[0] = t[0] - (t[1] - t[0]) / 2;
        edges[^1] = t[^1] + (t[^1] - t[^2]) / 2;
        return edges;
    }

    /// <summary>Major ticks at the given data values (at most ~12, thinned evenly), labelled in data units.</summary>
    public (double[] Positions, string[] Labels) Ticks(IReadOnlyList<double> sorted)
    {
        int step = Math.Max(1, (int)Math.Ceiling(sorted.Count / 12.0));
        double[] chosen = sorted.Where((_, i) => i % step == 0).ToArray();
        return (chosen.Select(Forward).ToArray(), chosen.Select(Label).ToArray());
    }

    public static string Label(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
