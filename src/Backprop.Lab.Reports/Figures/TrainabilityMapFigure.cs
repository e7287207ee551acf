using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// Figure 5, per activation: final loss over depth x sigma_w^2 (mean over seeds; log10 where every loss is positive),
/// cells where a seed diverged marked "div" (and where one failed "failed"), with the trainable-depth curve 6 xi_c over it
/// (the shape of Schoenholz et al. 2017, Fig. 5).
/// </summary>
public static class TrainabilityMapFigure
{
    public static Figure Build(ActivationGroup group, ReportOptions options)
    {
        TrainabilityGrid grid = TrainabilityGrid.Build(group);
        bool log = grid.Log;
        var finite = grid.FiniteValues().ToArray();
        double lo = finite.DefaultIfEmpty(0).Min(), hi = finite.DefaultIfEmpty(1).Max();
        if (hi - lo < 1e-9)
        {
            hi = lo + 1;
        }
        var scale = new ColorScale(new ScottPlot.Colormaps.Viridis(), lo, hi);
        string stepText = grid.StepText;
        Plot plot = FigureStyle.NewPlot($"{group.Name}: {stepText}", "σ_w² (weight variance)", "depth L (hidden layers)");
        var (x, y) = Cells.Draw(plot, grid.Sw2, grid.Depths.Select(d => (double)d).ToArray(), grid.Values, scale.ColorOf, mark: (r, c) => grid.Marks[r, c]);
        var bar = plot.Add.ColorBar(scale, Edge.Right);
        bar.Axis.Label.Text = log ? "log₁₀ loss" : "loss";
        // On the bar's axis (not ColorBar.Label) the title is laid out beside the tick labels instead of over them.
        bar.Axis.Label.FontSize = FigureStyle.TickSize;
        bar.Axis.TickLabelStyle.FontSize = FigureStyle.TickSize;
        PhaseDiagramFigure.DrawTheory(plot, group, grid.Sw2, x, y);
        return new Figure($"trainability-{group.FileStem}", $"Trainability: {group.Name}",
            "Colour: " + stepText + " (mean over every seed that trained, lower is better). \"div\": a seed diverged (its loss or a gradient became "
            + "NaN or infinite, or its loss grew past 1e6 times its initial value). Deep networks train only near the critical line, within about 6ξ_c layers (solid; ξ_c = −1/ln χ_c, the correlation depth scale)." + group.NoPlainTheoryNote
            + group.AveragingNote,
            [plot], options.Width, options.Height);
    }
}
