using Backprop.Core.Experiments;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 4, for one configuration: left, a box per layer of log10 mean |g| over every recorded step and seed (how the
/// layer's gradient is distributed through training, as TensorBoard's per-layer histograms show); right, the
/// "plot_grad_flow" bars of mean and max |g| per layer at initialisation. Given the group (facet) the
/// trials come from, its name and file stem are used, and the axes it averages over are named.
/// </summary>
public static class LayerDistributionFigure
{
    public static Figure Build(IReadOnlyList<TrialResult> seeds, ReportOptions options, Analysis.ActivationGroup? group = null)
    {
        TrialConfig config = seeds[0].Config;
        int layers = seeds.Min(t => t.Checkpoints.Count == 0 ? 0 : t.Checkpoints[0].Layers.Count);
        string what = $"{group?.Name ?? config.Activation}, L = {config.Depth}, σ_w² = {AxisScale.Label(config.SigmaW2)}";
        Plot boxes = FigureStyle.NewPlot($"{what}: mean |g| per layer over training", "layer l", "mean |∂J/∂W_l| entries (log scale)");
        Plot bars = FigureStyle.NewPlot($"{what}: |g| per layer at initialisation", "layer l", "|∂J/∂W_l| entries (log scale)");
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var boxList = new List<Box>();
        for (int l = 0; l < layers; l++)
        {
            double[] logs = seeds.SelectMany(t => t.Checkpoints).Select(c => c.Layers[l].GradAbsMean)
                .Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).Order().ToArray();
            if (logs.Length == 0)
            {
                continue;
            }
            boxList.Add(new Box
            {
                Position = l + 1,
                WhiskerMin = logs[0],
                BoxMin = Quantile(logs, 0.25),
                BoxMiddle = Quantile(logs, 0.5),
                BoxMax = Quantile(logs, 0.75),
                WhiskerMax = logs[^1],
                FillColor = FigureStyle.Series(0).WithAlpha(0.5),
                Width = 0.7,
            });
            (min, max) = (Math.Min(min, logs[0]), Math.Max(max, logs[^1]));
        }
        boxes.Add.Boxes(boxList);

        double bMin = double.PositiveInfinity, bMax = double.NegativeInfinity;
        var initial = seeds.Where(t => t.Checkpoints.Count > 0).Select(t => t.Checkpoints[0]).ToArray();
        var maxima = Enumerable.Range(0, layers).Select(l => MeanLog(initial.Select(c => c.Layers[l].GradAbsMax))).ToArray();
        var means = Enumerable.Range(0, layers).Select(l => MeanLog(initial.Select(c => c.Layers[l].GradAbsMean))).ToArray();
        foreach (double v in maxima.Concat(means).Where(double.IsFinite))
        {
            (bMin, bMax) = (Math.Min(bMin, v), Math.Max(bMax, v));
        }
        double floor = double.IsFinite(bMin) ? Math.Floor(bMin) : 0;
        AddBars(bars, maxima, floor, FigureStyle.Series(5), "max |g|");
        AddBars(bars, means, floor, FigureStyle.Series(0), "mean |g|");
        FigureStyle.ShowLegend(bars, Alignment.UpperRight);
        if (double.IsFinite(min))
        {
            FigureStyle.LogTicksY(boxes, min - 0.2, max + 0.2);
            boxes.Axes.SetLimitsY(min - 0.2, max + 0.2);
        }
        if (double.IsFinite(bMax))
        {
            FigureStyle.LogTicksY(bars, floor, bMax + 0.3);
            bars.Axes.SetLimitsY(floor, bMax + 0.3);
        }
        return new Figure($"layers-{group?.FileStem ?? PhaseDiagramFigure.Slug(config.Activation)}", $"Per-layer gradients: {what}",
            "Left: box (quartiles) and whiskers (extremes) of each layer's mean |g| over all recorded steps and seeds. "
            + "Right: mean and max |g| per layer at initialisation; bars that shrink towards layer 1 are vanishing gradients." + (group?.AveragingNote ?? ""),
            [boxes, bars], (int)(options.Width * 1.5), options.Height);
    }

    private static void AddBars(Plot plot, double[] values, double floor, Color color, string legend)
    {
        var list = values.Select((v, i) => new Bar { Position = i + 1, Value = double.IsFinite(v) ? v : floor, ValueBase = floor, FillColor = color, Size = 0.7 }).ToList();
        var barPlot = plot.Add.Bars(list);
        barPlot.LegendText = legend;
    }

    private static double MeanLog(IEnumerable<double> values)
    {
        double[] logs = values.Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToArray();
        return logs.Length == 0 ? double.NaN : logs.Average();
    }

    private static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int i = (int)Math.Floor(h);
        return i + 1 < sorted.Length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }
}
