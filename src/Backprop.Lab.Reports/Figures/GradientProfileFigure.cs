using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 2, per activation at its deepest swept depth: the per-layer profile at initialisation, one line per
/// sigma_w^2 (mean over seeds, band from the smallest to the largest seed). Left: ||dJ/dW_l|| on a log axis. Right: the
/// back-propagated error sqrt(E||delta_l||^2) relative to the last hidden layer, with mean-field theory dashed beside
/// each line: chi1^((L-l)/2), chi1 from the trial's predicted ln chi1 for the same layers.
/// </summary>
public static class GradientProfileFigure
{
    public static Figure Build(ActivationGroup group, ReportOptions options)
    {
        int depth = group.Trials.Max(t => t.Config.Depth);
        var chosen = Bands.Thin(ErrorProfile.Of(group), options.MaxSeries);

        Plot weights = FigureStyle.NewPlot($"{group.Name}, L = {depth}: weight gradient per layer", "layer l (1 = first hidden layer)", "‖∂J/∂W_l‖ (log scale)");
        Plot errors = FigureStyle.NewPlot($"{group.Name}, L = {depth}: back-propagated error", "layer l", "√E‖δ_l‖² / √E‖δ_L‖² (log scale)");
        double wMin = double.PositiveInfinity, wMax = double.NegativeInfinity, eMin = double.PositiveInfinity, eMax = double.NegativeInfinity;
        for (int i = 0; i < chosen.Count; i++)
        {
            Color color = FigureStyle.Series(i);
            string legend = $"σ_w² = {AxisScale.Label(chosen[i].Sw2)}";
            var (_, a, b) = Bands.AddLog(weights, chosen[i].Weights, l => l + 1, color, legend);
            (wMin, wMax) = (Math.Min(wMin, a), Math.Max(wMax, b));

            // Normalised at l = L so every line starts at 1 on the right and its slope is ln chi1 / 2 per layer.
            var (_, c, d) = Bands.AddLog(errors, chosen[i].Errors, l => l + 1, color, legend);
            (eMin, eMax) = (Math.Min(eMin, c), Math.Max(eMax, d));
            if (chosen[i].TheoryLog10 is double[] ys)
            {
                double[] xs = Enumerable.Range(1, depth).Select(l => (double)l).ToArray();
                var theory = errors.Add.ScatterLine(xs, ys, color);
                theory.LinePattern = LinePattern.Dashed;
                theory.LineWidth = 2;
                (eMin, eMax) = (Math.Min(eMin, ys.Min()), Math.Max(eMax, ys.Max()));
            }
        }
        var key = errors.Add.ScatterLine(new double[] { 1 }, new double[] { 0 }, Colors.Gray);
        key.LinePattern = LinePattern.Dashed;
        key.LegendText = "theory χ₁^((L−l)/2)";
        Finish(weights, wMin, wMax);
        Finish(errors, eMin, eMax);
        FigureStyle.ShowLegend(weights, Alignment.UpperRight);
        FigureStyle.ShowLegend(errors, Alignment.LowerRight);
        return new Figure($"profile-{group.FileStem}", $"Gradient-flow profile: {group.Name}, depth {depth}",
            "One line per σ_w² (mean over seeds; band: smallest to largest seed). Right: the back-propagated error shrinks towards the input "
            + "(left) where χ₁ < 1 and grows where χ₁ > 1; dashed lines are mean-field theory for the same layers. "
            + "The weight gradients (left) are offset by the forward signal and can stay level while δ vanishes." + group.AveragingNote,
            [weights, errors], (int)(options.Width * 1.5), options.Height);
    }

    private static void Finish(Plot plot, double min, double max)
    {
        if (double.IsFinite(min) && double.IsFinite(max))
        {
            double pad = Math.Max(0.1, (max - min) * 0.08);
            plot.Axes.SetLimitsY(min - pad, max + pad);
            FigureStyle.LogTicksY(plot, min - pad, max + pad);
        }
    }
}
