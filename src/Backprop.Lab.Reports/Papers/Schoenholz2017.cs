using Backprop.Core.Experiments;
using Backprop.Core.Networks;
using Backprop.Core.Theory;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// Schoenholz et al. (2017): a tanh network (sigma_b^2 = 0.05) trains when its depth is within about
/// 6 xi_c of the order-to-chaos boundary's depth scale xi_c = -1/ln chi_c, and not beyond; and the back-propagated
/// gradients change by a factor e every xi_grad = -1/ln chi1 layers. Trained on the digits.
/// </summary>
public sealed class Schoenholz2017 : Reproduction
{
    public override string Name => "schoenholz-2017";
    public override string Citation => "Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017), Deep information propagation";
    public override string Summary => "tanh on the digits: trainable depths lie within 6 xi_c of the critical line; gradients scale with depth as -1/ln chi1";

    /// <summary>A cell is trainable when its final loss is at most this fraction of ln(classes), the loss of a uniform guess.</summary>
    internal const double TrainedFraction = 0.5;

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var tanh = ClaimData.Measured(trials).Where(t => ClaimData.Is(t, "tanh", "gaussian") && ClaimData.IsPlain(t)
            && TheoryCurves.InputMeanSquare(t.Config) is not null).ToList();
        return [.. Trainability(tanh), DepthScale(tanh)];
    }

    private static double Sb2(TrialResult t) => t.Config.SigmaB * t.Config.SigmaB;

    private static MeanFieldPrediction Theory(TrialResult t) =>
        MeanField.Predict(Activation.Tanh, t.Config.SigmaW2, Sb2(t), TheoryCurves.InputMeanSquare(t.Config)!.Value);

    /// <summary>The loss of guessing every class alike: ln K for softmax cross-entropy over K classes; null for other losses.</summary>
    private static double? ChanceLoss(TrialResult t)
    {
        TrialConfig c = t.Config;
        var (_, _, classes) = Backprop.Core.Experiments.Data.Datasets.Shape(c.Dataset, c.Samples, c.Width, c.InputDim, c.TopWidth);
        // The classification datasets (digits, spirals, xor) default to softmax cross-entropy; teacher and gaussian do not.
        bool softmax = c.Loss is string loss ? loss == Loss.SoftmaxCrossEntropy.Name
            : c.Dataset is Backprop.Core.Experiments.Data.Datasets.Digits or Backprop.Core.Experiments.Data.Datasets.Spirals or Backprop.Core.Experiments.Data.Datasets.Xor;
        return softmax ? Math.Log(classes) : null;
    }

    /// <summary>
    /// Every (depth, sigma_w^2) cell, trainable when its seeds' mean final loss is at most <see cref="TrainedFraction"/> of
    /// chance, against depth ≤ 6 xi_c: the fraction classified alike, and, the bound's own half, the fraction of the cells
    /// deeper than 6 xi_c that did not train.
    /// </summary>
    private static IEnumerable<ClaimResult> Trainability(IReadOnlyList<TrialResult> tanh)
    {
        const string id = "trainable-within-6xi", claim = "Cells (depth, sigma_w^2) trainable exactly where depth ≤ 6 xi_c (fraction classified alike)";
        const string beyondId = "untrainable-beyond-6xi", beyondClaim = "Cells deeper than 6 xi_c do not train (fraction of them that did not)";
        var trained = tanh.Where(t => t.Config.Steps > 0 && ChanceLoss(t) is not null).ToList();
        if (trained.Count == 0)
        {
            const string why = "no trained tanh trial with a classification loss";
            yield return ClaimResult.Missing(id, claim, "about 1", "≥ 0.8", why);
            yield return ClaimResult.Missing(beyondId, beyondClaim, "1", "≥ 0.9", why);
            yield break;
        }
        int consistent = 0, cells = 0, beyond = 0, beyondUntrained = 0;
        var trainable = new List<(double, double)>();
        var untrainable = new List<(double, double)>();
        foreach (var cell in trained.GroupBy(t => (t.Config.Depth, t.Config.SigmaW2, Sb2(t))))
        {
            double loss = cell.Average(t => t.Outcome == Outcome.Diverged || !double.IsFinite(t.FinalLoss) ? double.PositiveInfinity : t.FinalLoss);
            bool measured = loss <= TrainedFraction * ChanceLoss(cell.First())!.Value;
            bool predicted = cell.Key.Depth <= Theory(cell.First()).TrainableDepth;
            cells++;
            consistent += measured == predicted ? 1 : 0;
            beyond += predicted ? 0 : 1;
            beyondUntrained += !predicted && !measured ? 1 : 0;
            (measured ? trainable : untrainable).Add((cell.Key.SigmaW2, cell.Key.Depth));
        }
        ClaimFigure figure = MapFigure(trained, trainable, untrainable);
        double fraction = (double)consistent / cells;
        yield return new ClaimResult(id, claim, "about 1", $"{fraction:0.00} ({consistent} of {cells} cells)", "≥ 0.8",
            fraction >= 0.8 ? Verdict.Pass : Verdict.Fail, fraction, figure);
        if (beyond == 0)
        {
            yield return ClaimResult.Missing(beyondId, beyondClaim, "1", "≥ 0.9", "no cell is deeper than 6 xi_c");
            yield break;
        }
        double untrainedFraction = (double)beyondUntrained / beyond;
        yield return new ClaimResult(beyondId, beyondClaim, "1", $"{untrainedFraction:0.00} ({beyondUntrained} of {beyond} cells)", "≥ 0.9",
            untrainedFraction >= 0.9 ? Verdict.Pass : Verdict.Fail, untrainedFraction, figure);
    }

    private static ClaimFigure MapFigure(IReadOnlyList<TrialResult> trained, List<(double Sw2, double Depth)> trainable, List<(double Sw2, double Depth)> untrainable)
    {
        double sb2 = Sb2(trained[0]), q0 = TheoryCurves.InputMeanSquare(trained[0].Config)!.Value;
        double min = trained.Min(t => t.Config.SigmaW2), max = trained.Max(t => t.Config.SigmaW2);
        var (ordered, chaotic) = TheoryCurves.SixXi(Activation.Tanh, sb2, min, max, 96, q0);
        int deepest = trained.Max(t => t.Config.Depth);
        // The 6 xi_c curve rises without bound at the boundary; it is cut at twice the deepest net so the cells stay readable.
        var o = ordered.Where(p => p.Depth <= 2 * deepest).ToArray();
        var c = chaotic.Where(p => p.Depth <= 2 * deepest).ToArray();
        var series = new List<FigureSeries>
        {
            new("trainable", trainable.Select(p => p.Sw2).ToArray(), trainable.Select(p => p.Depth).ToArray(), SeriesStyle.Points),
            new("not trainable", untrainable.Select(p => p.Sw2).ToArray(), untrainable.Select(p => p.Depth).ToArray(), SeriesStyle.Points),
            new("6 ξc (ordered)", o.Select(p => p.Sw2).ToArray(), o.Select(p => p.Depth).ToArray(), SeriesStyle.Theory),
            new("6 ξc (chaotic)", c.Select(p => p.Sw2).ToArray(), c.Select(p => p.Depth).ToArray(), SeriesStyle.Theory),
        };
        return new ClaimFigure(FormattableString.Invariant($"Trainability against 6 ξc (σb² = {sb2:0.###})"), "σw²", "depth", false, false, series);
    }

    /// <summary>
    /// For each sigma_w^2 whose gradient depth scale is at most 10 layers (|ln chi1| ≥ 0.1), the relative gap between the
    /// measured per-layer factor ln chi1 (the fitted slope of ln E||delta_l||^2) of its deepest trials and ln chi1(q*);
    /// the claim's value is their median.
    /// </summary>
    private static ClaimResult DepthScale(IReadOnlyList<TrialResult> tanh)
    {
        const string id = "gradient-depth-scale", claim = "The gradients' depth scale matches xi_grad = -1/ln chi1 (median relative gap over sigma_w^2 with xi_grad ≤ 10)";
        var gaps = new List<double>();
        var sw2s = new List<double>();
        var measured = new List<double>();
        var predicted = new List<double>();
        foreach (var bySw2 in tanh.GroupBy(t => (t.Config.SigmaW2, Sb2(t))).OrderBy(g => g.Key.SigmaW2))
        {
            int deepest = bySw2.Max(t => t.Config.Depth);
            var deep = bySw2.Where(t => t.Config.Depth == deepest && t.Summary!.LogSlopeMeasured is double m && double.IsFinite(m)).ToList();
            if (deep.Count == 0)
            {
                continue;
            }
            double lnChi = Math.Log(Theory(deep[0]).Chi1);
            double lnMeasured = deep.Average(t => t.Summary!.LogSlopeMeasured!.Value);
            sw2s.Add(bySw2.Key.SigmaW2);
            measured.Add(lnMeasured);
            predicted.Add(lnChi);
            if (Math.Abs(lnChi) >= 0.1 && deepest * Math.Abs(lnChi) >= 3)
            {
                gaps.Add(Math.Abs(lnMeasured / lnChi - 1));
            }
        }
        if (gaps.Count == 0)
        {
            return ClaimResult.Missing(id, claim, "0", "≤ 20%", "no sigma_w^2 with xi_grad ≤ 10 layers and a net of 3 xi_grad or deeper");
        }
        double median = ClaimData.Median(gaps);
        var figure = new ClaimFigure("Per-layer gradient factor ln χ₁ = -1/ξ∇ (below 0: gradients vanish towards the input)", "σw²", "ln χ₁", false, false,
        [
            new FigureSeries("measured (deepest nets)", sw2s, measured, SeriesStyle.Measured),
            new FigureSeries("ln χ₁(q*) theory", sw2s, predicted, SeriesStyle.Theory),
        ]);
        return new ClaimResult(id, claim, "0", $"{100 * median:0.0}% ({gaps.Count} values of sigma_w^2)", "≤ 20%",
            median <= 0.20 ? Verdict.Pass : Verdict.Fail, median, figure);
    }
}
