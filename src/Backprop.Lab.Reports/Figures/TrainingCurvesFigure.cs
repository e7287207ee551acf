using Backprop.Core.Experiments;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 3: loss against step for a few configurations (evenly chosen over the sweep), and the first- and last-layer
/// weight-gradient norms against step; a diverged trial ends with a cross at the step it diverged. Each line is one
/// trial, labelled with every axis its sweep varies.
/// </summary>
public static class TrainingCurvesFigure
{
    /// <summary>Trials with at least two recorded steps; null when none has (a sweep of steps = 0 trains nothing).</summary>
    public static Figure? Build(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        var trained = trials.Where(t => t.Checkpoints.Count >= 2)
            .OrderBy(t => t.Config.Activation, StringComparer.Ordinal).ThenBy(t => t.Config.Depth).ThenBy(t => t.Config.SigmaW2).ThenBy(t => t.Config.Seed)
            .ToList();
        if (trained.Count == 0)
        {
            return null;
        }
        var chosen = Bands.Thin(trained, options.MaxSeries);
        string[] others = SweepAxes.Varying(trials.Select(t => t.Config)).Except(["activation", "depth", "sigma_w2"]).ToArray();
        // Losses can be negative (the linear loss of the gaussian dataset): then the axis stays linear.
        bool logLoss = chosen.All(t => t.Checkpoints.All(c => !double.IsFinite(c.Loss) || c.Loss > 0));
        Plot loss = FigureStyle.NewPlot("training loss", "step", logLoss ? "loss J (log scale)" : "loss J");
        Plot first = FigureStyle.NewPlot("first layer", "step", "‖∂J/∂W₁‖ (log scale)");
        Plot last = FigureStyle.NewPlot("last hidden layer", "step", "‖∂J/∂W_L‖ (log scale)");
        var ranges = new (double Min, double Max)[3];
        Array.Fill(ranges, (double.PositiveInfinity, double.NegativeInfinity));
        for (int i = 0; i < chosen.Count; i++)
        {
            TrialResult t = chosen[i];
            Color color = FigureStyle.Series(i);
            string label = $"{t.Config.Activation} L={t.Config.Depth} σ_w²={AxisScale.Label(t.Config.SigmaW2)}"
                + string.Concat(others.Select(f => $" {f}={SweepAxes.Value(t.Config, f)}"));
            double[] steps = t.Checkpoints.Select(c => (double)c.Step).ToArray();
            Series(loss, steps, t.Checkpoints.Select(c => c.Loss), logLoss, color, label, t, ref ranges[0]);
            Series(first, steps, t.Checkpoints.Select(c => c.Layers[0].GradWNorm), true, color, null, t, ref ranges[1]);
            Series(last, steps, t.Checkpoints.Select(c => c.Layers[Math.Min(t.Config.Depth, c.Layers.Count) - 1].GradWNorm), true, color, null, t, ref ranges[2]);
        }
        if (logLoss)
        {
            FigureStyle.LogTicksY(loss, ranges[0].Min, ranges[0].Max);
        }
        FigureStyle.LogTicksY(first, ranges[1].Min, ranges[1].Max);
        FigureStyle.LogTicksY(last, ranges[2].Min, ranges[2].Max);
        loss.ShowLegend(Edge.Bottom);
        loss.Legend.FontSize = FigureStyle.LegendSize - 2;
        return new Figure("training", "Training curves",
            $"{chosen.Count} of {trained.Count} trained configurations, chosen evenly across the sweep. A cross marks the step where a trial diverged "
            + "(loss or gradient NaN or infinite, or the loss past 1e6 times its initial value). Gradient norms that fall to 0 at the first layer are where gradients vanished.",
            [loss, first, last], (int)(options.Width * 1.8), (int)(options.Height * 1.1));
    }

    private static void Series(Plot plot, double[] steps, IEnumerable<double> values, bool log, Color color, string? label, TrialResult t, ref (double Min, double Max) range)
    {
        double[] v = values.ToArray();
        var keep = Enumerable.Range(0, v.Length).Where(i => double.IsFinite(v[i]) && (!log || v[i] > 0)).ToArray();
        if (keep.Length == 0)
        {
            return;
        }
        double[] xs = keep.Select(i => steps[i]).ToArray();
        double[] ys = keep.Select(i => log ? Math.Log10(v[i]) : v[i]).ToArray();
        var line = plot.Add.ScatterLine(xs, ys, color);
        line.LineWidth = 3;
        if (label is not null)
        {
            line.LegendText = label + (t.Outcome == Outcome.Diverged ? " (diverged)" : "");
        }
        if (t.Outcome == Outcome.Diverged)
        {
            plot.Add.Marker(xs[^1], ys[^1], MarkerShape.Cross, 18, color);
        }
        range = (Math.Min(range.Min, ys.Min()), Math.Max(range.Max, ys.Max()));
    }
}
