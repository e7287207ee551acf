using System.Globalization;
using Backprop.Core.Experiments;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Architectures compared, for sweeps that vary the architecture or the norm: the back-propagated error ratio
/// |delta_1| / |delta_L| at initialisation against depth, one panel per activation and sigma_w^2, one line per
/// architecture (median over seeds and the other axes, which the caption names). A plain net's line falls or rises
/// exponentially with depth away from the critical line; the residual one's stays near 1 or bends more slowly, which is
/// what the skips are for.
/// </summary>
public static class ArchitectureFigure
{
    private static readonly string[] ArchitectureFields = ["architecture", "block_depth", "residual_scale", "block_form", "norm"];

    /// <summary>Whether the sweep compares architectures at several depths: only then does the figure have something to show.</summary>
    public static bool Applies(IReadOnlyList<TrialResult> trials)
    {
        IReadOnlyList<string> varying = SweepAxes.Varying(trials.Select(t => t.Config));
        return varying.Contains("depth") && ArchitectureFields.Any(varying.Contains);
    }

    public static Figure? Build(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        var usable = trials.Where(t => t.Summary is { DeltaRatioInit: double r } && double.IsFinite(r) && r > 0).ToList();
        IReadOnlyList<string> varying = SweepAxes.Varying(usable.Select(t => t.Config));
        string[] compared = ArchitectureFields.Where(varying.Contains).ToArray();
        if (compared.Length == 0 || !varying.Contains("depth"))
        {
            return null;
        }
        string[] averaged = varying.Except(compared).Except(["depth", "activation", "sigma_w2", "seed"]).ToArray();
        var panels = new List<Plot>();
        foreach (var panel in usable.GroupBy(t => (t.Config.Activation, t.Config.SigmaW2)).OrderBy(g => g.Key.Activation, StringComparer.Ordinal).ThenBy(g => g.Key.SigmaW2))
        {
            string sw2 = panel.Key.SigmaW2.ToString("G4", CultureInfo.InvariantCulture);
            Plot plot = FigureStyle.NewPlot($"{panel.Key.Activation}, σ_w² = {sw2}", "depth L", "|δ₁| / |δ_L| at init (log scale)");
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            int i = 0;
            foreach (var line in panel.GroupBy(t => Label(t.Config, compared), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var points = line.GroupBy(t => t.Config.Depth).OrderBy(g => g.Key)
                    .Select(g => (X: (double)g.Key, Y: Math.Log10(Median(g.Select(t => t.Summary!.DeltaRatioInit)))))
                    .ToArray();
                var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), FigureStyle.Series(i++));
                scatter.LegendText = line.Key;
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                min = Math.Min(min, points.Min(p => p.Y));
                max = Math.Max(max, points.Max(p => p.Y));
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
        string note = averaged.Length == 0 ? "" : $" Each point is the median over {string.Join(", ", averaged)} and seeds.";
        int columns = Math.Min(3, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        return new Figure("architectures", "Architectures compared: error ratio against depth",
            "One line per architecture; the grey band is the stable regime (0.1 to 10). A plain net's ratio moves exponentially with depth off the "
            + "critical line; an identity skip adds a path around every block, so the residual net's error reaches the first layer at any depth "
            + "(it may still grow, polynomially or, for relu at α = 1, exponentially: the branch adds variance every block)." + note,
            panels, options.Width / 2 * columns, options.Height * rows / 2 + options.Height / 3, columns);
    }

    private static string Label(TrialConfig c, string[] fields) => string.Join(", ", fields.Select(f => f switch
    {
        "architecture" => c.Architecture,
        "norm" => c.Norm == "none" ? "no norm" : c.Norm,
        "block_depth" => $"k = {c.BlockDepth}",
        "residual_scale" => $"α = {c.ResidualScale}",
        _ => c.BlockForm,
    }));

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
