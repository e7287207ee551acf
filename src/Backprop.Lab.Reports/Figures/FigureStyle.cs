using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// The look shared by every report figure: large type for a projector (titles 24 px, axis labels 20, ticks 16 at
/// the default 1200 x 800), a font with the Greek letters and super/subscripts the labels use, and a colour-blind
/// safe palette (Okabe and Ito) for line series.
/// </summary>
public static class FigureStyle
{
    public const float TitleSize = 24, LabelSize = 20, TickSize = 16, LegendSize = 15;

    private static readonly string[] PaletteHex = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    /// <summary>Fonts tried in order; DejaVu Sans covers σ, χ, δ, ξ, ², ₁ and ‖.</summary>
    private static readonly string[] FontCandidates = ["DejaVu Sans", "Liberation Sans", "Noto Sans"];

    private static readonly Lazy<string?> FontName = new(() => FontCandidates.FirstOrDefault(f => Fonts.GetTypeface(f, false, false)?.FamilyName == f));

    public static Color Series(int i) => Color.FromHex(PaletteHex[i % PaletteHex.Length]);

    /// <summary>A plot with the shared style, title and axis labels.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (FontName.Value is string font)
        {
            plot.Font.Set(font);
        }
        plot.Title(title, TitleSize);
        plot.XLabel(xLabel, LabelSize);
        plot.YLabel(yLabel, LabelSize);
        foreach (IAxis axis in plot.Axes.GetAxes())
        {
            axis.TickLabelStyle.FontSize = TickSize;
        }
        plot.Legend.FontSize = LegendSize;
        return plot;
    }

    /// <summary>Puts the legend in a corner that the caller chose and makes it readable over data.</summary>
    public static void ShowLegend(Plot plot, Alignment where = Alignment.UpperRight)
    {
        plot.ShowLegend(where);
        plot.Legend.FontSize = LegendSize;
        plot.Legend.BackgroundColor = Colors.White.WithAlpha(0.85);
    }

    /// <summary>Labels a log10-plotted y axis in powers of ten (10^-3 ... 10^2) with minor ticks at 2..9.</summary>
    public static void LogTicksY(Plot plot, double minLog10, double maxLog10) => LogTicks(plot.Axes.Left, minLog10, maxLog10);

    public static void LogTicksX(Plot plot, double minLog10, double maxLog10) => LogTicks(plot.Axes.Bottom, minLog10, maxLog10);

    private static void LogTicks(IAxis axis, double minLog10, double maxLog10)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int lo = (int)Math.Floor(minLog10), hi = (int)Math.Ceiling(maxLog10);
        int step = Math.Max(1, (hi - lo + 9) / 10);
        for (int e = lo; e <= hi; e++)
        {
            if ((e - lo) % step == 0)
            {
                ticks.AddMajor(e, PowerOfTen(e));
            }
            if (step == 1 && hi - lo <= 6)
            {
                // Within a decade or two a single power of ten is too few labels: label 2 and 5 as well.
                bool narrow = maxLog10 - minLog10 < 2;
                for (int k = 2; k < 10; k++)
                {
                    if (narrow && k is 2 or 5)
                    {
                        ticks.AddMajor(e + Math.Log10(k), (k * Math.Pow(10, e)).ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        ticks.AddMinor(e + Math.Log10(k));
                    }
                }
            }
        }
        axis.TickGenerator = ticks;
        axis.TickLabelStyle.FontSize = TickSize;
    }

    public static string PowerOfTen(int e) => e switch
    {
        0 => "1",
        1 => "10",
        _ => "10" + Superscript(e),
    };

    public static string Superscript(int e)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string s = Math.Abs(e).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (e < 0 ? "⁻" : "") + string.Concat(s.Select(c => digits[c - '0']));
    }

    /// <summary>Manual ticks in data units for an axis plotted through <paramref name="scale"/>.</summary>
    public static void DataTicks(IAxis axis, AxisScale scale, IReadOnlyList<double> sorted)
    {
        var (positions, labels) = scale.Ticks(sorted);
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        axis.TickLabelStyle.FontSize = TickSize;
    }

    /// <summary>A centred note in an empty panel (a figure with nothing to show still says why).</summary>
    public static Plot EmptyPanel(string title, string message)
    {
        Plot plot = NewPlot(title, "", "");
        plot.Add.Text(message, 0, 0).LabelFontSize = LabelSize;
        plot.Axes.SetLimits(-1, 1, -1, 1);
        plot.HideAxesAndGrid();
        return plot;
    }
}
