using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// He et al. (2015), section 2.2 and figure 3: in a relu network each layer multiplies the forward variance by
/// n Var[W] / 2. Xavier's Var[W] = 1/n (for equal fan-in and fan-out) halves it at every layer, so a 30-layer net's
/// signal is 2^-30 of its input and it stalls; He's Var[W] = 2/n keeps it level and the net trains.
/// </summary>
public sealed class He2015 : Reproduction
{
    public override string Name => "he-2015";
    public override string Citation => "He, Zhang, Ren and Sun (2015), Delving deep into rectifiers";
    public override string Summary => "30-layer relu net: trains with He init, stalls with Xavier, whose forward variance halves every layer";

    private const string Xavier = "xavier_normal", He = "he_normal";

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var relu = ClaimData.Measured(trials).Where(t => t.Config.UniformWidth && t.Config.Depth >= 2).ToList();
        var xavier = relu.Where(t => ClaimData.Is(t, "relu", Xavier)).ToList();
        var he = relu.Where(t => ClaimData.Is(t, "relu", He)).ToList();
        int deepest = xavier.Concat(he).Select(t => t.Config.Depth).DefaultIfEmpty(0).Max();
        var deepXavier = xavier.Where(t => t.Config.Depth == deepest).ToList();
        var deepHe = he.Where(t => t.Config.Depth == deepest).ToList();
        ClaimFigure training = TrainingFigure(deepXavier, deepHe, deepest);
        ClaimFigure forward = ForwardFigure(deepXavier, deepHe, deepest);
        return
        [
            Progress("he-trains", $"He init: the {deepest}-layer relu net trains (final loss over initial loss)", deepHe, "converges", 0, 0.75, "≤ 0.75", training),
            Progress("xavier-stalls", $"Xavier init: the {deepest}-layer relu net stalls (final loss over initial loss)", deepXavier, "stalls (1)", 0.97, double.PositiveInfinity, "≥ 0.97", training),
            ForwardFactor("xavier-forward-halves", "Xavier init: the forward variance halves at every layer", deepXavier, 0.5, 0.07, forward),
            ForwardFactor("he-forward-level", "He init: the forward variance stays level", deepHe, 1.0, 0.1, forward),
        ];
    }

    private static double LossRatio(TrialResult t) =>
        t.Outcome == Outcome.Diverged ? double.PositiveInfinity : t.Checkpoints[^1].Loss / t.Checkpoints[0].Loss;

    private static ClaimResult Progress(string id, string claim, IReadOnlyList<TrialResult> trials, string paper, double low, double high, string tolerance, ClaimFigure figure)
    {
        if (trials.Count == 0 || trials.All(t => t.Config.Steps == 0))
        {
            return ClaimResult.Missing(id, claim, paper, tolerance, "no trained relu trial with this initialisation at the deepest depth");
        }
        // The mean over seeds of each seed's ratio: one stalled seed among trained ones shows.
        double measured = trials.Average(LossRatio);
        return ClaimResult.Within(id, claim, paper, measured, "0.000", low, high, tolerance, figure);
    }

    /// <summary>The per-layer factor of E[a_l^2] from the first hidden layer to the last, geometric mean over seeds.</summary>
    private static ClaimResult ForwardFactor(string id, string claim, IReadOnlyList<TrialResult> trials, double paper, double tolerance, ClaimFigure figure)
    {
        string paperText = paper == 0.5 ? "1/2 per layer" : "1 per layer", tol = $"± {tolerance:0.##}";
        if (trials.Count == 0)
        {
            return ClaimResult.Missing(id, claim, paperText, tol, "no relu trial with this initialisation");
        }
        double measured = ClaimData.GeometricMean(trials.Select(t => ClaimData.PerLayerFactor(ClaimData.HiddenAtInit(t).Select(ClaimData.SecondMoment).ToArray())));
        return ClaimResult.Within(id, claim, paperText, measured, "0.000", paper - tolerance, paper + tolerance, tol, figure);
    }

    private static ClaimFigure TrainingFigure(IReadOnlyList<TrialResult> xavier, IReadOnlyList<TrialResult> he, int depth)
    {
        var series = ClaimData.LossCurves(("Xavier", xavier), ("He", he));
        return new ClaimFigure($"Training of the {depth}-layer relu net", "step", "loss", false, false, series);
    }

    private static ClaimFigure ForwardFigure(IReadOnlyList<TrialResult> xavier, IReadOnlyList<TrialResult> he, int depth)
    {
        var series = new List<FigureSeries>();
        double[]? x = GlorotBengio2010.AddMean(series, "Xavier", xavier, t => ClaimData.HiddenAtInit(t).Select(ClaimData.SecondMoment).ToArray(), SeriesStyle.Measured);
        if (x is { Length: > 0 })
        {
            series.Add(new FigureSeries("Xavier: (1/2) a layer", ClaimData.Layers(x.Length), x.Select((_, i) => x[0] * Math.Pow(0.5, i)).ToArray(), SeriesStyle.Theory));
        }
        GlorotBengio2010.AddMean(series, "He", he, t => ClaimData.HiddenAtInit(t).Select(ClaimData.SecondMoment).ToArray(), SeriesStyle.Measured);
        return new ClaimFigure($"Forward signal by layer at initialisation, depth {depth}", "hidden layer", "E[a_l²]", false, true, series);
    }
}
