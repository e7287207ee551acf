using Backprop.Lab.Reports.Analysis;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 1, per activation: depth x sigma_w^2 coloured by log10 of the first/last-layer ratio of the back-propagated
/// error |delta_1|/|delta_L| (diverging map, white = ratio 1), at initialisation and after training, with the
/// mean-field critical line and the trainable-depth curve 6 xi_c over it; a third panel shows the weight-gradient ratio
/// ||dJ/dW_1||/||dJ/dW_L||, which with sigma_b = 0 and a homogeneous activation stays near 1 even where the error
/// vanishes, because the forward signal shrinks by the same factor (so the colour of the main panels is delta's).
/// </summary>
public static class PhaseDiagramFigure
{
    public static Figure Build(ActivationGroup group, ReportOptions options)
    {
        var panels = new List<(PhaseGrid Grid, string Title)>
        {
            (PhaseGrid.Build(group.Trials, PhaseGrid.LogDeltaRatioInit), "error ratio |δ₁|/|δ_L| at initialisation"),
        };
        if (group.Trials.Any(t => t.Config.Steps > 0))
        {
            panels.Add((PhaseGrid.Build(group.Trials, PhaseGrid.LogDeltaRatioFinal), "|δ₁|/|δ_L| after training"));
        }
        panels.Add((PhaseGrid.Build(group.Trials, PhaseGrid.LogWeightRatioInit), "weight-gradient ratio ‖∂J/∂W₁‖/‖∂J/∂W_L‖ at init"));
        // One colour scale for every panel, so the same colour means the same ratio.
        ColorScale scale = ColorScale.Centered(panels.SelectMany(p => p.Grid.FiniteValues()));
        var plots = panels.Select(p => Panel(group, p.Grid, scale, $"{group.Name}: {p.Title}")).ToList();
        int width = plots.Count == 1 ? options.Width : (int)(options.Width * 0.75 * plots.Count);
        return new Figure($"phase-{group.FileStem}", $"Phase diagram: {group.Name}",
            "Colour: log₁₀ of the first/last-layer ratio, blue where gradients vanish towards the input, red where they explode. "
            + "The vanishing/exploding colour is the back-propagated error δ = ∂J/∂z; the weight-gradient panel is offset by the forward signal "
            + "(with σ_b = 0 it stays near 1 even where δ vanishes). Dashed: mean-field critical line χ₁(q*) = 1, q* the fixed point the inputs' variance flows to; "
            + "solid: trainable depth 6ξ_c, ξ_c = −1/ln χ_c (χ_c = χ₁ in the ordered phase, the correlation map's slope at its fixed point c* < 1 in the chaotic one)."
            + " Each cell is the mean over seeds." + group.AveragingNote + group.NoPlainTheoryNote,
            plots, width, options.Height);
    }

    internal static Plot Panel(ActivationGroup group, PhaseGrid grid, ColorScale scale, string title)
    {
        Plot plot = FigureStyle.NewPlot(title, "σ_w² (weight variance)", "depth L (hidden layers)");
        var (x, y) = Cells.Draw(plot, grid.Sw2, grid.Depths.Select(d => (double)d).ToArray(), grid.Values, scale.ColorOf, v => Label(v));
        var bar = plot.Add.ColorBar(scale, Edge.Right);
        bar.Axis.Label.Text = "log₁₀ ratio (0 = no change)";
        // On the bar's axis (not ColorBar.Label) the title is laid out beside the tick labels instead of over them.
        bar.Axis.Label.FontSize = FigureStyle.TickSize;
        bar.Axis.TickLabelStyle.FontSize = FigureStyle.TickSize;
        DrawTheory(plot, group, grid.Sw2, x, y);
        return plot;
    }

    /// <summary>The critical line and the 6 xi_c curve, in the panel's plotted coordinates.</summary>
    internal static void DrawTheory(Plot plot, ActivationGroup group, IReadOnlyList<double> sw2, AxisScale x, AxisScale y)
    {
        if (!group.PlainTheory)
        {
            return;
        }
        AxisLimits limits = plot.Axes.GetLimits();
        double min = x.Inverse(limits.Left), max = x.Inverse(limits.Right);
        if (!(min > 0))
        {
            min = sw2.Where(v => v > 0).DefaultIfEmpty(1e-3).Min() / 2;
        }
        double q0 = TheoryCurves.InputMeanSquare(group);
        if (TheoryCurves.CriticalSw2(group.Activation, group.Sb2, q0) is double c && c >= min && c <= max)
        {
            var line = plot.Add.VerticalLine(x.Forward(c), 3, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"critical σ_w² = {c:G3} (χ₁ crosses 1)";
        }
        var (ordered, chaotic) = TheoryCurves.SixXi(group.Activation, group.Sb2, min, max, q0: q0);
        bool labelled = false;
        foreach (var branch in new[] { ordered, chaotic })
        {
            // Cap the depth so a curve running off the top is clipped, not sent to the far end of the log axis.
            var points = branch.Where(p => p.Depth > 0).Select(p => (X: x.Forward(p.Sw2), Y: y.Forward(Math.Min(p.Depth, 1e6)))).ToArray();
            if (points.Length < 2)
            {
                continue;
            }
            var curve = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), Colors.Black);
            curve.LineWidth = 3;
            if (!labelled)
            {
                curve.LegendText = "trainable depth 6ξ_c";
                labelled = true;
            }
        }
        plot.Axes.SetLimits(limits);
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.FontSize = FigureStyle.LegendSize;
    }

    private static string Label(double log10) => double.IsFinite(log10) ? Math.Pow(10, log10).ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture) : "";

    public static string Slug(string name) => new(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
}
