using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using ScottPlot;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// The input-output Jacobian J = d x_D / d x_1 of every trial that measured it (<see cref="JacobianSpectrum"/>), in two
/// figures over the panels and lines of <see cref="ShapeComparison"/>: its mean squared singular value at initialisation
/// against depth beside the mean-field prediction (<see cref="TheoryCurves.JacobianMeanSquared(IReadOnlyList{TrialConfig})"/>), and the singular-value
/// histograms of the deepest trials at initialisation and at the end. Off the critical line a plain net's
/// (1/N)||J||_F^2 moves exponentially with depth as chi1^(D-1); its spectrum spreads over decades as depth grows, while
/// dynamical isometry keeps it concentrated near 1.
/// </summary>
public static class JacobianFigure
{
    /// <summary>Whether some trial measured its spectrum: only then is there a depth figure.</summary>
    public static bool Applies(IReadOnlyList<TrialResult> trials) => trials.Any(t => t.Summary?.JacobianInit is not null);

    /// <summary>Whether some trial stored a histogram of its singular values (the exact method does; the estimate has none).</summary>
    public static bool AppliesSpectrum(IReadOnlyList<TrialResult> trials) => trials.Any(t => t.Summary?.JacobianInit?.SingularHist is not null);

    /// <summary>(1/N)||J||_F^2 at initialisation against depth, log scale: measured (median) solid, mean-field dashed.</summary>
    public static Figure? Build(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        ShapeComparison comparison = ShapeComparison.Of(trials.Where(t => t.Summary?.JacobianInit is not null).ToArray());
        var panels = new List<Plot>();
        foreach (ShapePanel panel in comparison.Panels)
        {
            Plot plot = FigureStyle.NewPlot(panel.Title, "depth L", "(1/N)‖J‖²_F at init (log scale)");
            double min = 0, max = 0; // the isometry's 1 is always in view
            bool any = false;
            for (int i = 0; i < panel.Lines.Count; i++)
            {
                ShapeLine line = panel.Lines[i];
                Color color = FigureStyle.Series(i);
                var measured = line.Medians(t => t.Summary!.JacobianInit!.MeanSquared);
                if (measured.Count > 0)
                {
                    var scatter = plot.Add.Scatter(measured.Select(p => (double)p.Depth).ToArray(), measured.Select(p => Math.Log10(p.Median)).ToArray(), color);
                    scatter.LegendText = line.Label;
                    scatter.LineWidth = 2;
                    scatter.MarkerSize = 7;
                    (min, max, any) = (Math.Min(min, measured.Min(p => Math.Log10(p.Median))), Math.Max(max, measured.Max(p => Math.Log10(p.Median))), true);
                }
                var theory = line.JacobianTheory();
                if (theory.Count > 0)
                {
                    double[] ys = theory.Select(p => Math.Log10(p.Median)).ToArray();
                    var dashed = plot.Add.ScatterLine(theory.Select(p => (double)p.Depth).ToArray(), ys, color);
                    dashed.LinePattern = LinePattern.Dashed;
                    dashed.LineWidth = 2;
                    (min, max) = (Math.Min(min, ys.Min()), Math.Max(max, ys.Max()));
                }
            }
            if (!any)
            {
                continue;
            }
            var one = plot.Add.HorizontalLine(0, 1, Colors.Gray);
            one.LinePattern = LinePattern.Dotted;
            var key = plot.Add.ScatterLine(new double[] { panel.Lines.Min(l => l.Trials.Min(t => t.Config.Depth)) }, new double[] { 0 }, Colors.Gray);
            key.LinePattern = LinePattern.Dashed;
            key.LegendText = "mean-field theory";
            double pad = Math.Max(0.2, (max - min) * 0.06);
            plot.Axes.SetLimitsY(min - pad, max + pad);
            FigureStyle.LogTicksY(plot, min - pad, max + pad);
            FigureStyle.ShowLegend(plot, Alignment.UpperLeft);
            panels.Add(plot);
        }
        if (panels.Count == 0)
        {
            return null;
        }
        int columns = Math.Min(3, panels.Count), rows = (panels.Count + columns - 1) / columns;
        return new Figure("jacobian", "Jacobian of the hidden layers: mean squared singular value against depth",
            "(1/N)‖J‖²_F of J = ∂x_D/∂x_1 at initialisation (the median over a depth's trials), one colour per line; dashed in the same colour: "
            + "mean-field theory (for a plain net the product of χ₁(q^l) over layers 2..D; none for the post-form residual block). A plain net's "
            + "value moves exponentially with depth off the critical line (χ₁ = 1); the dotted line at 1 is a Jacobian that neither shrinks nor "
            + "stretches on average." + comparison.AveragingNote,
            panels, options.Width / 2 * columns, options.Height * rows / 2 + options.Height / 3, columns);
    }

    /// <summary>Histograms of the singular values of the deepest trials: at initialisation solid, at the end dashed.</summary>
    public static Figure? BuildSpectrum(IReadOnlyList<TrialResult> trials, ReportOptions options)
    {
        ShapeComparison comparison = ShapeComparison.Of(trials.Where(t => t.Summary?.JacobianInit?.SingularHist is not null).ToArray());
        var panels = new List<Plot>();
        foreach (ShapePanel panel in comparison.Panels)
        {
            var deepest = panel.Lines.Select(l => (Line: l, Trials: l.Deepest())).Where(l => l.Trials.Count > 0).ToArray();
            if (deepest.Length == 0)
            {
                continue;
            }
            string depths = string.Join(", ", deepest.Select(l => l.Trials[0].Config.Depth).Distinct().Order());
            Plot plot = FigureStyle.NewPlot($"{panel.Title}, L = {depths}", "singular value σ of J (log scale)", "fraction of singular values");
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            for (int i = 0; i < panel.Lines.Count; i++)
            {
                var match = deepest.FirstOrDefault(l => ReferenceEquals(l.Line, panel.Lines[i]));
                if (match.Line is null)
                {
                    continue;
                }
                Color color = FigureStyle.Series(i);
                SpectrumCurve? init = SpectrumCurve.Of(match.Trials.Select(t => t.Summary!.JacobianInit));
                SpectrumCurve? final = match.Trials.Any(t => t.Config.Steps > 0) ? SpectrumCurve.Of(match.Trials.Select(t => t.Summary!.JacobianFinal)) : null;
                foreach (var (curve, end) in new[] { (init, false), (final, true) })
                {
                    if (curve is null)
                    {
                        continue;
                    }
                    var line = plot.Add.ScatterLine(curve.Log10Sigma, curve.Fraction, color);
                    line.LineWidth = 2;
                    line.LinePattern = end ? LinePattern.Dashed : LinePattern.Solid;
                    if (!end)
                    {
                        line.LegendText = curve.UnresolvedFraction > 0 ? $"{panel.Lines[i].Label} ({curve.UnresolvedFraction:P0} unresolved)" : panel.Lines[i].Label;
                    }
                    (lo, hi) = (Math.Min(lo, curve.Log10Sigma[0]), Math.Max(hi, curve.Log10Sigma[^1]));
                }
            }
            if (double.IsFinite(lo))
            {
                plot.Axes.SetLimitsX(lo - 0.1, hi + 0.1);
                FigureStyle.LogTicksX(plot, lo - 0.1, hi + 0.1);
            }
            var key = plot.Add.ScatterLine(new double[] { double.IsFinite(lo) ? lo : 0 }, new double[] { 0 }, Colors.Gray);
            key.LinePattern = LinePattern.Dashed;
            key.LegendText = "after training";
            FigureStyle.ShowLegend(plot, Alignment.UpperLeft);
            panels.Add(plot);
        }
        if (panels.Count == 0)
        {
            return null;
        }
        int columns = Math.Min(3, panels.Count), rows = (panels.Count + columns - 1) / columns;
        return new Figure("jacobian-spectrum", "Jacobian of the hidden layers: singular values of the deepest nets",
            "The singular values of J = ∂x_D/∂x_1 pooled over the deepest trials of each line (four bins a decade): solid at initialisation, "
            + "dashed after training. A spectrum that spreads over decades maps some directions far larger than others (gradients reach the "
            + "first layer along a few of them only); one concentrated near 1 is dynamical isometry. Singular values below 10⁻⁸ times their "
            + "spectrum's largest are rounding noise and, with exact zeros, are not drawn: the legend gives their share at initialisation (\"unresolved\")." + comparison.AveragingNote,
            panels, options.Width / 2 * columns, options.Height * rows / 2 + options.Height / 3, columns);
    }
}
