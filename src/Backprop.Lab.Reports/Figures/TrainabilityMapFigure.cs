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
        var trials = group.Trials;
        bool log = trials.Where(t => double.IsFinite(t.FinalLoss)).All(t => t.FinalLoss > 0);
        PhaseGrid grid = PhaseGrid.Build(trials.Where(t => t.Outcome == Outcome.Ok).ToList(),
            t => log ? (t.FinalLoss > 0 ? Math.Log10(t.FinalLoss) : null) : t.FinalLoss);
        PhaseGrid all = PhaseGrid.Build(trials, _ => 0.0);
        var finite = grid.FiniteValues().ToArray();
        double lo = finite.DefaultIfEmpty(0).Min(), hi = finite.DefaultIfEmpty(1).Max();
        if (hi - lo < 1e-9)
        {
            hi = lo + 1;
        }
        var scale = new ColorScale(new ScottPlot.Colormaps.Viridis(), lo, hi);
        string stepText = trials.Max(t => t.Config.Steps) == 0 ? "loss at initialisation (steps = 0)" : "final loss";
        Plot plot = FigureStyle.NewPlot($"{group.Name}: {stepText}", "σ_w² (weight variance)", "depth L (hidden layers)");

        // Values of the successful trials only; the marks say what happened in the other cells.
        var values = new double[all.Depths.Count, all.Sw2.Count];
        for (int r = 0; r < all.Depths.Count; r++)
        {
            for (int c = 0; c < all.Sw2.Count; c++)
            {
                int gr = IndexOf(grid.Depths, all.Depths[r]), gc = IndexOf(grid.Sw2, all.Sw2[c]);
                values[r, c] = gr >= 0 && gc >= 0 ? grid.Values[gr, gc] : double.NaN;
            }
        }
        string? Mark(int r, int c)
        {
            var cell = trials.Where(t => t.Config.Depth == all.Depths[r] && t.Config.SigmaW2 == all.Sw2[c]).ToArray();
            return cell.Any(t => t.Outcome == Outcome.Diverged) ? "div"
                : cell.Any(t => t.Outcome == Outcome.Failed) ? "failed"
                : null;
        }
        var (x, y) = Cells.Draw(plot, all.Sw2, all.Depths.Select(d => (double)d).ToArray(), values, scale.ColorOf, mark: Mark);
        var bar = plot.Add.ColorBar(scale, Edge.Right);
        bar.Axis.Label.Text = log ? "log₁₀ loss" : "loss";
        // On the bar's axis (not ColorBar.Label) the title is laid out beside the tick labels instead of over them.
        bar.Axis.Label.FontSize = FigureStyle.TickSize;
        bar.Axis.TickLabelStyle.FontSize = FigureStyle.TickSize;
        PhaseDiagramFigure.DrawTheory(plot, group, all.Sw2, x, y);
        return new Figure($"trainability-{group.FileStem}", $"Trainability: {group.Name}",
            "Colour: " + stepText + " (mean over every seed that trained, lower is better). \"div\": a seed diverged (its loss or a gradient became "
            + "NaN or infinite, or its loss grew past 1e6 times its initial value). Deep networks train only near the critical line, within about 6ξ_c layers (solid; ξ_c = −1/ln χ_c, the correlation depth scale)."
            + group.AveragingNote,
            [plot], options.Width, options.Height);
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, T value) where T : IEquatable<T>
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Equals(value))
            {
                return i;
            }
        }
        return -1;
    }
}
