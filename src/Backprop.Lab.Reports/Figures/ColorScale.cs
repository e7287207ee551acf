using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// A colour axis for cells drawn as rectangles (ScottPlot's colour bar needs an <see cref="IHasColorAxis"/>; a heatmap
/// would force a regular grid). Diverging scales are symmetric about 0 so white is exactly "ratio 1".
/// </summary>
public sealed class ColorScale(IColormap colormap, double min, double max) : IHasColorAxis
{
    /// <summary>Blue (vanishing) through white to red (exploding), ColorBrewer RdBu.</summary>
    public static IColormap Diverging { get; } = new ScottPlot.Colormaps.CustomInterpolated(
        [Color.FromHex("#2166ac"), Color.FromHex("#67a9cf"), Color.FromHex("#f7f7f7"), Color.FromHex("#ef8a62"), Color.FromHex("#b2182b")]);

    public IColormap Colormap { get; set; } = colormap;
    public double Min { get; } = min;
    public double Max { get; } = max;

    /// <summary>A diverging scale centred on 0 reaching at least ±<paramref name="floor"/> and at most ±<paramref name="cap"/>.</summary>
    public static ColorScale Centered(IEnumerable<double> values, double floor = 1, double cap = 8)
    {
        double m = values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(floor).Max();
        m = Math.Clamp(m, floor, cap);
        return new ColorScale(Diverging, -m, m);
    }

    public ScottPlot.Range GetRange() => new(Min, Max);

    public Color ColorOf(double value) => Colormap.GetColor(Math.Clamp((value - Min) / (Max - Min), 0, 1));
}
