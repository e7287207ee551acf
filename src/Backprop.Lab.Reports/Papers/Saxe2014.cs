using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// Saxe, McClelland and Ganguli (2014): a deep linear network initialised with orthogonal weights
/// learns in a time independent of its depth, while one initialised with scaled random Gaussian weights (whose product
/// has singular values spread over orders of magnitude) takes longer the deeper it is. As in the paper, each depth is
/// timed at its best learning rate: the steps to reach a loss criterion, minimised over the swept learning rates.
/// </summary>
public sealed class Saxe2014 : Reproduction
{
    public override string Name => "saxe-2014";
    public override string Citation => "Saxe, McClelland and Ganguli (2014), Exact solutions to the nonlinear dynamics of learning in deep linear neural networks";
    public override string Summary => "deep linear nets: steps to a loss criterion stay flat in depth with orthogonal init and grow with Gaussian";

    /// <summary>The criterion: a loss within this factor of the lowest final loss any trial of the same seed (the same data) reached.</summary>
    internal const double CriterionFactor = 1.2;

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var linear = ClaimData.Measured(trials).Where(t => ClaimData.Is(t, "identity") && ClaimData.IsPlain(t) && t.Config.Steps > 0).ToList();
        var best = linear.Where(t => t.Outcome == Outcome.Ok).GroupBy(t => t.Config.Seed).ToDictionary(g => g.Key, g => g.Min(t => t.FinalLoss));
        // Steps to the criterion at each (init, depth), the best learning rate's, median over seeds.
        Dictionary<(string Init, int Depth), double> time = linear
            .GroupBy(t => (Init: Init(t), t.Config.Depth))
            .ToDictionary(g => g.Key, g => ClaimData.Median(g.GroupBy(t => t.Config.Seed).Select(seed => seed.Min(t => Steps(t, best)))));
        ClaimFigure figure = Figure(time);
        return
        [
            Orthogonal(time, figure),
            Gaussian(time, figure),
        ];
    }

    private static string Init(TrialResult t) => t.Config.Fields().First(f => f.Key == "init").Value;

    /// <summary>The first recorded step whose loss meets the criterion; +infinity when none does (or the trial diverged).</summary>
    private static double Steps(TrialResult t, IReadOnlyDictionary<ulong, double> best)
    {
        if (t.Outcome != Outcome.Ok || !best.TryGetValue(t.Config.Seed, out double lowest))
        {
            return double.PositiveInfinity;
        }
        Checkpoint? reached = t.Checkpoints.FirstOrDefault(c => c.Loss <= CriterionFactor * lowest);
        return reached is null ? double.PositiveInfinity : reached.Step;
    }

    private static ClaimResult Orthogonal(Dictionary<(string Init, int Depth), double> time, ClaimFigure figure)
    {
        const string id = "orthogonal-flat", claim = "Orthogonal init: steps to the criterion (best learning rate) do not grow with depth (slowest depth over fastest)";
        var t = time.Where(p => p.Key.Init == "orthogonal").OrderBy(p => p.Key.Depth).Select(p => p.Value).ToArray();
        if (t.Length < 2)
        {
            return ClaimResult.Missing(id, claim, "1 (independent of depth)", "≤ 2.5", "fewer than two depths with orthogonal init");
        }
        double ratio = t.Max() / t.Min();
        return ClaimResult.Within(id, claim, "1 (independent of depth)", ratio, "0.00", 0, 2.5, "≤ 2.5", figure);
    }

    private static ClaimResult Gaussian(Dictionary<(string Init, int Depth), double> time, ClaimFigure figure)
    {
        const string id = "gaussian-grows", claim = "Gaussian init: steps to the criterion (best learning rate) grow with depth (deepest over shallowest)";
        var t = time.Where(p => p.Key.Init == "gaussian").OrderBy(p => p.Key.Depth).Select(p => p.Value).ToArray();
        if (t.Length < 2)
        {
            return ClaimResult.Missing(id, claim, "grows", "≥ 3", "fewer than two depths with gaussian init");
        }
        double ratio = t[^1] / t[0];
        return ClaimResult.Within(id, claim, "grows", ratio, "0.00", 3, double.PositiveInfinity, "≥ 3", figure);
    }

    private static ClaimFigure Figure(Dictionary<(string Init, int Depth), double> time)
    {
        var series = time.GroupBy(p => p.Key.Init).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var points = g.OrderBy(p => p.Key.Depth).ToArray();
            return new FigureSeries(g.Key, points.Select(p => (double)p.Key.Depth).ToArray(), points.Select(p => p.Value).ToArray(), SeriesStyle.Measured);
        }).ToList();
        return new ClaimFigure("Learning time of deep linear nets at the best learning rate", "depth", "steps to the loss criterion", true, true, series);
    }
}
