using Backprop.Core.Experiments;
using Backprop.Core.Networks;
using Backprop.Core.Theory;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// Poole et al. (2016): a random tanh network's pre-activation length q^l follows the length map
/// q^l = sigma_w^2 E[phi(sqrt(q^(l-1)) z)^2] + sigma_b^2 and reaches its fixed point q* within a few layers; chi1, the
/// slope of the correlation map at c = 1 (the per-layer factor of back-propagated gradients), crosses 1 at the
/// order-to-chaos boundary sigma_w^2 of each sigma_b^2. Measured on wide random nets at initialisation (gaussian inputs).
/// </summary>
public sealed class Poole2016 : Reproduction
{
    public override string Name => "poole-2016";
    public override string Citation => "Poole, Lahiri, Raghu, Sohl-Dickstein and Ganguli (2016), Exponential expressivity in deep neural networks through transient chaos";
    public override string Summary => "tanh: q^l follows the length map to q* within a few layers; chi1 crosses 1 at the predicted critical sigma_w^2";

    /// <summary>
    /// The bias variance the convergence claim is read at, the largest of the shipped sweeps: there q* is far from 0 at
    /// every sigma_w^2, so "within 5% of q*" is a band of finite-width noise rather than of a q* near zero.
    /// </summary>
    private const double PaperSb2 = 0.3;

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var tanh = ClaimData.Measured(trials).Where(t => ClaimData.Is(t, "tanh", "gaussian") && t.Config.Depth >= 4
            && ClaimData.IsPlain(t) && TheoryCurves.InputMeanSquare(t.Config) is not null).ToList();
        var claims = new List<ClaimResult> { LengthMap(tanh), Convergence(tanh) };
        foreach (var bias in tanh.GroupBy(t => Sb2(t)).OrderBy(g => g.Key))
        {
            claims.Add(CriticalCrossing(bias.Key, bias.ToList()));
        }
        if (tanh.Count == 0)
        {
            claims.Add(ClaimResult.Missing("chi1-crossing", "chi1 crosses 1 at the predicted critical sigma_w^2", "theory's sigma_w^2", "± 3%", "no tanh trial with gaussian init"));
        }
        return claims;
    }

    private static double Sb2(TrialResult t) => t.Config.SigmaB * t.Config.SigmaB;

    /// <summary>q^l measured, l = 1..D: q^1 from the inputs, q^l = sigma_w^2 E[a_(l-1)^2] + sigma_b^2 from the layer below's activations.</summary>
    private static double[] MeasuredQ(TrialResult t)
    {
        var layers = ClaimData.HiddenAtInit(t);
        double sw2 = t.Config.SigmaW2, sb2 = Sb2(t);
        var q = new double[layers.Count];
        q[0] = sw2 * TheoryCurves.InputMeanSquare(t.Config)!.Value + sb2;
        for (int l = 1; l < q.Length; l++)
        {
            q[l] = sw2 * ClaimData.SecondMoment(layers[l - 1]) + sb2;
        }
        return q;
    }

    private static IReadOnlyList<double> TheoryQ(TrialResult t, double q1) =>
        MeanField.QTrajectory(Activation.Tanh, t.Config.SigmaW2, Sb2(t), q1, t.Config.Depth);

    /// <summary>
    /// Per trial, the root mean square over layers of the relative gap between the measured q^l and the length map iterated
    /// from the measured q^1; the claim's value is the largest over the trials. One network's weights make each layer's
    /// q^l fluctuate about the map by about sqrt(2/N) (N the width), the tolerance.
    /// </summary>
    private static ClaimResult LengthMap(IReadOnlyList<TrialResult> tanh)
    {
        const string id = "length-map", claim = "q^l follows the length map (RMS relative gap over layers, largest over trials)";
        if (tanh.Count == 0)
        {
            return ClaimResult.Missing(id, claim, "0", "≤ sqrt(2/N)", "no tanh trial with gaussian init");
        }
        double worst = tanh.Max(t =>
        {
            double[] q = MeasuredQ(t);
            IReadOnlyList<double> theory = TheoryQ(t, q[0]);
            return Math.Sqrt(q.Select((v, l) => Math.Pow(v / theory[l] - 1, 2)).Average());
        });
        int width = tanh.Min(t => t.Config.Width);
        double tolerance = Math.Sqrt(2.0 / width);
        return new ClaimResult(id, claim, "0", $"{100 * worst:0.0}%", $"≤ sqrt(2/N) = {100 * tolerance:0.0}% (N = {width})",
            worst <= tolerance ? Verdict.Pass : Verdict.Fail, worst, QFigure(tanh));
    }

    /// <summary>The first layer from which q^l stays within 5% of q*, median over the trials at the paper's sigma_b^2 (all trials when there are none).</summary>
    private static ClaimResult Convergence(IReadOnlyList<TrialResult> tanh)
    {
        const string id = "q-converges", claim = "q^l reaches q* within a few layers (first layer from which it stays within 5% of q*, median)";
        var paper = tanh.Where(t => Math.Abs(Sb2(t) - PaperSb2) < 1e-9).ToList();
        var used = paper.Count > 0 ? paper : tanh;
        if (used.Count == 0)
        {
            return ClaimResult.Missing(id, claim, "a few layers", "≤ 6 layers", "no tanh trial with gaussian init");
        }
        double median = ClaimData.Median(used.Select(t =>
        {
            double[] q = MeasuredQ(t);
            double qStar = MeanField.FixedPoint(Activation.Tanh, t.Config.SigmaW2, Sb2(t), TheoryCurves.InputMeanSquare(t.Config)!.Value);
            int from = q.Length;
            while (from > 0 && Math.Abs(q[from - 1] / qStar - 1) <= 0.05)
            {
                from--;
            }
            return from == q.Length ? double.PositiveInfinity : from + 1.0;
        }));
        string text = double.IsFinite(median) ? $"{median:0.#} layers" : "not reached";
        return new ClaimResult(id, claim + (paper.Count > 0 ? $", sigma_b^2 = {PaperSb2}" : ""), "a few layers", text, "≤ 6 layers",
            median <= 6 ? Verdict.Pass : Verdict.Fail, median, QFigure(used));
    }

    /// <summary>Measured chi1 = exp(fitted slope of ln E||delta_l||^2) across sigma_w^2: where it crosses 1 against theory's boundary.</summary>
    private static ClaimResult CriticalCrossing(double sb2, IReadOnlyList<TrialResult> trials)
    {
        string id = FormattableString.Invariant($"chi1-crossing-sb2-{sb2:0.###}");
        string claim = FormattableString.Invariant($"chi1 crosses 1 at the predicted critical sigma_w^2 (sigma_b^2 = {sb2:0.###})");
        double q0 = ClaimData.Median(trials.Select(t => TheoryCurves.InputMeanSquare(t.Config)!.Value));
        double? critical = TheoryCurves.CriticalSw2(Activation.Tanh, sb2, q0);
        var points = trials.Where(t => t.Summary!.LogSlopeMeasured is double m && double.IsFinite(m))
            .GroupBy(t => t.Config.SigmaW2).OrderBy(g => g.Key)
            .Select(g => (Sw2: g.Key, Log: g.Average(t => t.Summary!.LogSlopeMeasured!.Value))).ToArray();
        ClaimFigure figure = Chi1Figure(sb2, q0, points);
        if (critical is not double c)
        {
            return ClaimResult.Missing(id, claim, "none", "± 3%", "theory has no boundary at this sigma_b^2");
        }
        string paper = $"{c:0.000}";
        double? crossing = Crossing.Upward(points.Select(p => p.Sw2).ToArray(), points.Select(p => p.Log).ToArray());
        if (crossing is not double x)
        {
            return ClaimResult.Missing(id, claim, paper, "± 3%", "the measured chi1 does not cross 1 within the swept sigma_w^2");
        }
        return ClaimResult.Within(id, claim, paper, x, "0.000", c * 0.97, c * 1.03, "± 3%", figure);
    }

    private static ClaimFigure QFigure(IReadOnlyList<TrialResult> trials)
    {
        var series = new List<FigureSeries>();
        // A handful of sigma_w^2 spread over the range (first seed each), measured against the length map from the same q^1.
        var bySw2 = trials.GroupBy(t => (t.Config.SigmaW2, Sb2(t))).OrderBy(g => g.Key.Item2).ThenBy(g => g.Key.SigmaW2).Select(g => g.OrderBy(t => t.Config.Seed).First()).ToList();
        int step = Math.Max(1, (bySw2.Count + 4) / 5);
        foreach (TrialResult t in bySw2.Where((_, i) => i % step == 0))
        {
            double[] q = MeasuredQ(t);
            string name = FormattableString.Invariant($"σw² {t.Config.SigmaW2:0.##}, σb² {Sb2(t):0.###}");
            series.Add(new FigureSeries(name, ClaimData.Layers(q.Length), q, SeriesStyle.Measured));
            series.Add(new FigureSeries(name + " theory", ClaimData.Layers(q.Length), TheoryQ(t, q[0]).ToArray(), SeriesStyle.Theory));
        }
        return new ClaimFigure("Length map: q^l measured (solid) and iterated from q^1 (dashed)", "layer l", "q^l", false, false, series);
    }

    private static ClaimFigure Chi1Figure(double sb2, double q0, IReadOnlyList<(double Sw2, double Log)> points)
    {
        string tag = FormattableString.Invariant($"σb² {sb2:0.###}");
        var series = new List<FigureSeries>
        {
            new($"measured χ₁, {tag}", points.Select(p => p.Sw2).ToArray(), points.Select(p => Math.Exp(p.Log)).ToArray(), SeriesStyle.Measured),
            new($"χ₁(q*) theory, {tag}", points.Select(p => p.Sw2).ToArray(),
                points.Select(p => MeanField.Predict(Activation.Tanh, p.Sw2, sb2, q0).Chi1).ToArray(), SeriesStyle.Theory),
        };
        if (points.Count > 0)
        {
            series.Add(new FigureSeries("χ₁ = 1", [points[0].Sw2, points[^1].Sw2], [1, 1], SeriesStyle.Theory));
        }
        return new ClaimFigure($"χ₁ across σw², {tag}", "σw²", "χ₁", true, true, series);
    }
}
