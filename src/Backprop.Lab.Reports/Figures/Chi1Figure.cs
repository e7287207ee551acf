using Backprop.Core.Experiments;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 6: measured chi1 (exp of the fitted slope of ln E||delta_l||^2) against mean-field theory, one colour per
/// activation, on log-log axes with the identity line. Left: theory for the same layers (following q^l from the
/// data), the like-for-like comparison; right: chi1 at the fixed point q*, which deep layers approach.
/// </summary>
public static class Chi1Figure
{
    public static Figure? Build(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        var measured = trials.Where(t => t.Summary?.LogSlopeMeasured is double m && double.IsFinite(m)).ToList();
        if (measured.Count == 0)
        {
            return null;
        }
        Plot same = FigureStyle.NewPlot("χ₁ measured vs theory for the same layers", "predicted χ₁ (q^l trajectory)", "measured χ₁");
        Plot star = FigureStyle.NewPlot("χ₁ measured vs theory at q*", "predicted χ₁(q*)", "measured χ₁");
        Add(same, measured, s => s.LogSlopePredicted);
        Add(star, measured, s => s.Chi1Predicted is double c && c > 0 ? Math.Log(c) : null);
        FigureStyle.ShowLegend(same, Alignment.UpperLeft);
        FigureStyle.ShowLegend(star, Alignment.UpperLeft);
        return new Figure("chi1", "Measured against predicted χ₁",
            "Each point is a trial; on the diagonal, measurement and mean-field theory agree. χ₁ < 1: gradients vanish towards the input; χ₁ > 1: they explode. "
            + "Points off the diagonal on the right but not on the left are networks whose variance has not yet settled at q*.",
            [same, star], (int)(options.Width * 1.5), options.Height);
    }

    /// <summary>Both axes are log10 chi1 (ln chi1 / ln 10), so the identity line is y = x.</summary>
    private static void Add(Plot plot, IReadOnlyList<TrialResult> trials, Func<TrialSummary, double?> predictedLog)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        int i = 0;
        foreach (var group in trials.GroupBy(t => t.Config.Activation, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var points = group.Select(t => (X: predictedLog(t.Summary!), Y: t.Summary!.LogSlopeMeasured!.Value))
                .Where(p => p.X is double x && double.IsFinite(x)).Select(p => (X: p.X!.Value / Math.Log(10), Y: p.Y / Math.Log(10))).ToArray();
            if (points.Length == 0)
            {
                i++;
                continue;
            }
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), FigureStyle.Series(i++));
            scatter.MarkerSize = 11;
            scatter.LegendText = group.Key;
            min = Math.Min(min, points.Min(p => Math.Min(p.X, p.Y)));
            max = Math.Max(max, points.Max(p => Math.Max(p.X, p.Y)));
        }
        if (!double.IsFinite(min))
        {
            (min, max) = (-1, 1);
        }
        double pad = Math.Max(0.05, (max - min) * 0.06);
        (min, max) = (min - pad, max + pad);
        var identity = plot.Add.Line(min, min, max, max);
        identity.LineColor = Colors.Black;
        identity.LinePattern = LinePattern.Dashed;
        identity.LineWidth = 2;
        identity.LegendText = "identity (theory = measurement)";
        plot.Axes.SetLimits(min, max, min, max);
        FigureStyle.LogTicksX(plot, min, max);
        FigureStyle.LogTicksY(plot, min, max);
    }
}
