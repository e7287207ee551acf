using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// Glorot and Bengio (2010), section 4.2: in a tanh network near its linear regime each layer multiplies the variance of
/// the activations going forward, and of the back-propagated gradients going back, by n Var[W]. The standard
/// initialisation U[-1/sqrt(n), 1/sqrt(n)] has n Var[W] = 1/3, so both shrink by 1/3 a layer; the normalised one keeps
/// n Var[W] near 1 and the gradients level. The weight gradients, a product of the two, stay level under either
/// (their section 4.2.1). These four are measured at initialisation (step 0) on the digits; a fifth claim compares the
/// final losses after the same training (their table 1: the normalised initialisation reaches lower errors).
/// </summary>
public sealed class GlorotBengio2010 : Reproduction
{
    public override string Name => "glorot-bengio-2010";
    public override string Citation => "Glorot and Bengio (2010), Understanding the difficulty of training deep feedforward neural networks";
    public override string Summary => "5 tanh layers: standard init shrinks activations and back-propagated gradients by 1/3 a layer, normalised init keeps gradients level";

    private const string Standard = "standard", Normalised = "xavier_uniform";

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var tanh = ClaimData.Measured(trials).Where(t => t.Config.Depth >= 3 && t.Config.UniformWidth).ToList();
        var standard = tanh.Where(t => ClaimData.Is(t, "tanh", Standard)).ToList();
        var normalised = tanh.Where(t => ClaimData.Is(t, "tanh", Normalised)).ToList();
        ClaimFigure backward = BackwardFigure(standard, normalised);
        return
        [
            Factor("standard-backward", "Standard init: the back-propagated gradient's variance shrinks by n Var[W] = 1/3 a layer towards the input",
                standard, BackwardFactor, 1.0 / 3, 0.05, "1/3", HistogramFigure(standard, l => l.DeltaHist,
                    "Back-propagated gradient magnitudes per layer, standard init", "|δ| (one example's ∂loss/∂z)", "fraction of entries")),
            Factor("normalised-backward", "Normalised init: the back-propagated gradient's variance stays near constant across layers",
                normalised, BackwardFactor, 1.0, 0.2, "1", backward),
            Factor("standard-forward", "Standard init: the activations' variance shrinks by 1/3 a layer going forward",
                standard, ForwardFactor, 1.0 / 3, 0.05, "1/3", HistogramFigure(standard, l => l.ActHist,
                    "Activation magnitudes per layer, standard init", "|a|", "fraction of activations")),
            WeightGradients(standard, normalised),
            Training(standard, normalised),
        ];
    }

    /// <summary>The per-layer factor of E||delta_l||^2 / n_l from the last hidden layer down to the first.</summary>
    private static double BackwardFactor(TrialResult t)
    {
        var layers = ClaimData.HiddenAtInit(t);
        return ClaimData.PerLayerFactor(layers.Reverse().Select(l => l.DeltaSq / t.Config.HiddenWidth(l.Layer - 1)).ToArray());
    }

    /// <summary>The per-layer factor of E[a_l^2] from the first hidden layer up.</summary>
    private static double ForwardFactor(TrialResult t) => ClaimData.PerLayerFactor(ClaimData.HiddenAtInit(t).Select(ClaimData.SecondMoment).ToArray());

    private static ClaimResult Factor(string id, string claim, IReadOnlyList<TrialResult> trials, Func<TrialResult, double> factor,
        double paper, double tolerance, string paperText, ClaimFigure figure)
    {
        string tol = $"± {tolerance:0.##}";
        if (trials.Count == 0)
        {
            return ClaimResult.Missing(id, claim, paperText + " per layer", tol, "no tanh trial with this initialisation");
        }
        double measured = ClaimData.GeometricMean(trials.Select(factor));
        return ClaimResult.Within(id, claim, paperText + " per layer", measured, "0.000", paper - tolerance, paper + tolerance, tol, figure);
    }

    /// <summary>The weight gradients' mean square entry, hidden layer by layer: the largest over the smallest, under the standard init.</summary>
    private static ClaimResult WeightGradients(IReadOnlyList<TrialResult> standard, IReadOnlyList<TrialResult> normalised)
    {
        const string id = "standard-weight-gradients", claim = "Standard init: the weight gradients' variance is the same in every layer (their section 4.2.1)";
        if (standard.Count == 0)
        {
            return ClaimResult.Missing(id, claim, "max/min 1", "max/min ≤ 1.25", "no tanh trial with the standard initialisation");
        }
        // One batch of 10 makes each seed's gradients noisy: the profile is the geometric mean over the seeds, layer by layer.
        var series = new List<FigureSeries>();
        double[] profile = AddMean(series, "standard", standard, t => ClaimData.HiddenAtInit(t).Select(l => ClaimData.WeightGradientMeanSquare(t, l)).ToArray(), SeriesStyle.Measured)!;
        AddMean(series, "normalised", normalised, t => ClaimData.HiddenAtInit(t).Select(l => ClaimData.WeightGradientMeanSquare(t, l)).ToArray(), SeriesStyle.Measured);
        double spread = profile.Max() / profile.Min();
        var figure = new ClaimFigure("Weight gradients by layer at initialisation", "hidden layer", "mean square entry of dJ/dW", false, true, series);
        return ClaimResult.Within(id, claim, "max/min 1", spread, "0.00", 1, 1.25, "max/min ≤ 1.25", figure);
    }

    /// <summary>Their table 1: the normalised init trains to a lower error; here, the final loss after the same steps (mean over seeds), normalised over standard.</summary>
    private static ClaimResult Training(IReadOnlyList<TrialResult> standard, IReadOnlyList<TrialResult> normalised)
    {
        const string id = "normalised-trains-further", claim = "Normalised init trains further in the same steps (final loss, normalised over standard)";
        var s = standard.Where(t => t.Config.Steps > 0).ToList();
        var n = normalised.Where(t => t.Config.Steps > 0).ToList();
        if (s.Count == 0 || n.Count == 0)
        {
            return ClaimResult.Missing(id, claim, "below 1", "≤ 0.8", "no trained tanh trials of both initialisations");
        }
        double ratio = n.Average(t => t.FinalLoss) / s.Average(t => t.FinalLoss);
        var series = ClaimData.LossCurves(("standard", s), ("normalised", n));
        var figure = new ClaimFigure("Training on the digits", "step", "loss", false, false, series);
        return ClaimResult.Within(id, claim, "below 1", ratio, "0.000", 0, 0.8, "≤ 0.8", figure);
    }

    private static ClaimFigure BackwardFigure(IReadOnlyList<TrialResult> standard, IReadOnlyList<TrialResult> normalised)
    {
        var series = new List<FigureSeries>();
        Func<TrialResult, double[]> perUnit = t => ClaimData.HiddenAtInit(t).Select(l => l.DeltaSq / t.Config.HiddenWidth(l.Layer - 1)).ToArray();
        double[]? s = AddMean(series, "standard", standard, perUnit, SeriesStyle.Measured);
        if (s is { Length: > 0 })
        {
            // The paper's 1/3 a layer, anchored at the last hidden layer.
            double[] theory = s.Select((_, i) => s[^1] * Math.Pow(1.0 / 3, s.Length - 1 - i)).ToArray();
            series.Add(new FigureSeries("standard: (1/3) a layer", ClaimData.Layers(s.Length), theory, SeriesStyle.Theory));
        }
        AddMean(series, "normalised", normalised, perUnit, SeriesStyle.Measured);
        return new ClaimFigure("Back-propagated gradients by layer at initialisation", "hidden layer", "E‖δ_l‖² / n_l", false, true, series);
    }

    /// <summary>
    /// Glorot and Bengio's figures 6 and 7 at initialisation: one of each layer's histograms (activations, or back-propagated
    /// gradients) by magnitude under the standard init, first seed; the trials of schema 4 and older have no gradient ones.
    /// </summary>
    private static ClaimFigure HistogramFigure(IReadOnlyList<TrialResult> standard, Func<LayerStats, Histogram?> histogram, string title, string x, string y)
    {
        var series = new List<FigureSeries>();
        if (standard.OrderBy(t => t.Config.Seed).FirstOrDefault() is TrialResult t)
        {
            foreach (LayerStats l in ClaimData.HiddenAtInit(t))
            {
                if (histogram(l) is Histogram h)
                {
                    var (xs, ys) = ClaimData.MagnitudeCurve(h);
                    series.Add(new FigureSeries($"layer {l.Layer}", xs, ys, SeriesStyle.Measured));
                }
            }
        }
        return new ClaimFigure(title, x, y, true, false, series);
    }

    /// <summary>Adds the per-layer geometric mean over the trials' seeds of <paramref name="values"/>; returns it.</summary>
    internal static double[]? AddMean(List<FigureSeries> series, string name, IReadOnlyList<TrialResult> trials, Func<TrialResult, double[]> values, SeriesStyle style)
    {
        var rows = trials.Select(values).Where(v => v.Length > 0).ToList();
        if (rows.Count == 0)
        {
            return null;
        }
        int n = rows.Min(r => r.Length);
        double[] mean = Enumerable.Range(0, n).Select(i => ClaimData.GeometricMean(rows.Select(r => r[i]))).ToArray();
        series.Add(new FigureSeries(name, ClaimData.Layers(n), mean, style));
        return mean;
    }
}
