using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// Pennington, Schoenholz and Ganguli (2017): at criticality (chi1 = 1) the input-output Jacobian's
/// singular values of a tanh network with orthogonal weights and a small q* concentrate near 1 (dynamical isometry),
/// with a spread that grows only like q* times the depth; relu's spread grows with depth whatever the weights (about half
/// its units are off, so J has zero rows), and Gaussian weights spread tanh's too. The spread is the relative variance
/// Var(sigma^2) / E[sigma^2]^2 of J J^T's eigenvalues, free of the overall scale.
/// </summary>
public sealed class Pennington2017 : Reproduction
{
    public override string Name => "pennington-2017";
    public override string Citation => "Pennington, Schoenholz and Ganguli (2017), Resurrecting the sigmoid in deep learning through dynamical isometry";
    public override string Summary => "Jacobian spectra: orthogonal tanh at small q* concentrates near 1; relu and Gaussian weights spread with depth";

    public override IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials)
    {
        var measured = ClaimData.Measured(trials).Where(t => ClaimData.IsPlain(t) && t.Summary!.JacobianInit is { Method: JacobianMethod.Exact }).ToList();
        List<TrialResult> Of(string activation, string init) => measured.Where(t => ClaimData.Is(t, activation, init)).ToList();
        var tanhOrthogonal = Of("tanh", "orthogonal");
        var reluOrthogonal = Of("relu", "orthogonal");
        var tanhGaussian = Of("tanh", "gaussian");
        ClaimFigure spread = SpreadFigure(measured);
        ClaimFigure spectra = SpectrumFigure(measured);
        int deepest = tanhOrthogonal.Select(t => t.Config.Depth).DefaultIfEmpty(0).Max();
        var deepTanh = tanhOrthogonal.Where(t => t.Config.Depth == deepest).ToList();
        return
        [
            tanhOrthogonal.Count == 0
                ? ClaimResult.Missing("tanh-orthogonal-concentrated", "Orthogonal tanh: the spectrum's spread per layer stays small", "O(q*), q* = 0.020", "≤ 0.01", "no orthogonal tanh trial with an exact spectrum")
                : ClaimResult.Within("tanh-orthogonal-concentrated", "Orthogonal tanh: the spectrum's spread per layer stays small (relative variance / depth, largest over depths)", "O(q*), q* = 0.020",
                    tanhOrthogonal.GroupBy(t => t.Config.Depth).Max(g => Mean(g, s => s.RelativeVariance) / g.Key), "0.0000", 0, 0.01, "≤ 0.01", spectra),
            deepTanh.Count == 0
                ? ClaimResult.Missing("tanh-orthogonal-isometric", "Orthogonal tanh at criticality: mean squared singular value 1", "1", "± 0.2", "no orthogonal tanh trial with an exact spectrum")
                : ClaimResult.Within("tanh-orthogonal-isometric", $"Orthogonal tanh at criticality: mean squared singular value 1 at depth {deepest}", "1",
                    Mean(deepTanh, s => s.MeanSquared), "0.000", 0.8, 1.2, "± 0.2", spectra),
            Growth("relu-orthogonal-spreads", "Orthogonal relu: the spread grows with depth (deepest over shallowest relative variance)", reluOrthogonal, spread),
            Ratio("gaussian-tanh-spreads", "Gaussian tanh at the same sigma_w^2, sigma_b^2: spread far above orthogonal's (ratio at the deepest depth)", tanhGaussian, tanhOrthogonal, spread),
        ];
    }

    private static double Mean(IEnumerable<TrialResult> trials, Func<JacobianSpectrum, double> value) => trials.Average(t => value(t.Summary!.JacobianInit!));

    private static ClaimResult Growth(string id, string claim, IReadOnlyList<TrialResult> trials, ClaimFigure figure)
    {
        var byDepth = trials.GroupBy(t => t.Config.Depth).OrderBy(g => g.Key).Select(g => Mean(g, s => s.RelativeVariance)).ToArray();
        if (byDepth.Length < 2)
        {
            return ClaimResult.Missing(id, claim, "grows linearly", "≥ 3", "fewer than two depths of orthogonal relu");
        }
        return ClaimResult.Within(id, claim, "grows linearly", byDepth[^1] / byDepth[0], "0.00", 3, double.PositiveInfinity, "≥ 3", figure);
    }

    private static ClaimResult Ratio(string id, string claim, IReadOnlyList<TrialResult> gaussian, IReadOnlyList<TrialResult> orthogonal, ClaimFigure figure)
    {
        int depth = gaussian.Select(t => t.Config.Depth).Intersect(orthogonal.Select(t => t.Config.Depth)).DefaultIfEmpty(0).Max();
        if (depth == 0)
        {
            return ClaimResult.Missing(id, claim, "≫ 1", "≥ 10", "no depth with both Gaussian and orthogonal tanh");
        }
        double ratio = Mean(gaussian.Where(t => t.Config.Depth == depth), s => s.RelativeVariance) / Mean(orthogonal.Where(t => t.Config.Depth == depth), s => s.RelativeVariance);
        return ClaimResult.Within(id, claim, "≫ 1", ratio, "0", 10, double.PositiveInfinity, "≥ 10", figure);
    }

    private static ClaimFigure SpreadFigure(IReadOnlyList<TrialResult> trials)
    {
        var series = trials.GroupBy(t => (Activation: t.Config.Fields().First(f => f.Key == "activation").Value, Init: t.Config.Fields().First(f => f.Key == "init").Value))
            .OrderBy(g => g.Key.Activation, StringComparer.Ordinal).ThenBy(g => g.Key.Init, StringComparer.Ordinal)
            .Select(g =>
            {
                var points = g.GroupBy(t => t.Config.Depth).OrderBy(d => d.Key).ToArray();
                return new FigureSeries($"{g.Key.Activation}, {g.Key.Init}", points.Select(d => (double)d.Key).ToArray(),
                    points.Select(d => Mean(d, s => s.RelativeVariance)).ToArray(), SeriesStyle.Measured);
            }).ToList();
        return new ClaimFigure("Spread of the Jacobian's spectrum with depth", "depth", "Var(σ²) / E[σ²]²", true, true, series);
    }

    /// <summary>The singular values at the deepest depth, over their root mean square (so nets of any gain compare), first seed each.</summary>
    private static ClaimFigure SpectrumFigure(IReadOnlyList<TrialResult> trials)
    {
        int deepest = trials.Select(t => t.Config.Depth).DefaultIfEmpty(0).Max();
        var series = new List<FigureSeries>();
        foreach (TrialResult t in trials.Where(t => t.Config.Depth == deepest && t.Summary!.JacobianInit!.SingularHist is not null)
            .GroupBy(t => (t.Config.Activation, t.Config.Init)).Select(g => g.OrderBy(t => t.Config.Seed).First())
            .OrderBy(t => t.Config.Activation, StringComparer.Ordinal).ThenBy(t => t.Config.Init, StringComparer.Ordinal))
        {
            JacobianSpectrum s = t.Summary!.JacobianInit!;
            var (x, y) = ClaimData.MagnitudeCurve(s.SingularHist!);
            double rms = Math.Sqrt(s.MeanSquared);
            series.Add(new FigureSeries($"{t.Config.Activation}, {t.Config.Init}", x.Select(v => v / rms).ToArray(), y, SeriesStyle.Measured));
        }
        return new ClaimFigure($"Singular values of J at depth {deepest}, over their root mean square", "σ / rms(σ)", "fraction of singular values", true, false, series);
    }
}
