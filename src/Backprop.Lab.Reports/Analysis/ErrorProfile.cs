using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The per-layer profile at initialisation of one sigma_w^2 at the group's deepest depth, every seed: the weight
/// gradients ||dJ/dW_l|| and the back-propagated error sqrt(E||delta_l||^2) relative to the last hidden layer L, with
/// the mean-field line for the same layers, log10 chi1^((L-l)/2) (chi1 from the trials' predicted ln chi1), or null
/// where theory does not apply.
/// </summary>
public sealed record ErrorProfile(double Sw2, int Depth, IReadOnlyList<double[]> Weights, IReadOnlyList<double[]> Errors, double[]? TheoryLog10)
{
    /// <summary>One profile per sigma_w^2 of the group's trials at its deepest depth, ascending.</summary>
    public static IReadOnlyList<ErrorProfile> Of(ActivationGroup group)
    {
        if (group.Trials.Count == 0)
        {
            return [];
        }
        int depth = group.Trials.Max(t => t.Config.Depth);
        return group.Trials.Where(t => t.Config.Depth == depth && t.Summary is not null).GroupBy(t => t.Config.SigmaW2).OrderBy(g => g.Key)
            .Select(g => Of(g.Key, depth, g.Select(t => t.Summary!).ToArray())).ToArray();
    }

    public static ErrorProfile Of(double sw2, int depth, IReadOnlyList<TrialSummary> seeds)
    {
        double[] slopes = seeds.Select(s => s.LogSlopePredicted ?? double.NaN).Where(double.IsFinite).ToArray();
        double[]? theory = null;
        if (slopes.Length > 0)
        {
            double half = slopes.Average() / 2;
            theory = Enumerable.Range(1, depth).Select(l => half * (depth - l) / Math.Log(10)).ToArray();
        }
        return new ErrorProfile(sw2, depth,
            seeds.Select(s => s.GradNormInit.Take(depth).ToArray()).ToArray(),
            seeds.Select(s => Relative(s.DeltaSqInit, depth)).ToArray(),
            theory);
    }

    /// <summary>sqrt(E||delta_l||^2 / E||delta_L||^2): 1 at l = L, so the slope is ln chi1 / 2 per layer.</summary>
    private static double[] Relative(IReadOnlyList<double> deltaSq, int depth)
    {
        double last = deltaSq[depth - 1];
        return deltaSq.Take(depth).Select(v => Math.Sqrt(v / last)).ToArray();
    }
}

/// <summary>
/// The mean over seeds of log10 values at each index, with the smallest and largest seed; non-finite or non-positive
/// values (a vanished or diverged seed) are left out of that index, and an index no seed has is left out.
/// </summary>
public sealed record LogBand(int[] Index, double[] Mean, double[] Min, double[] Max)
{
    public static LogBand Of(IReadOnlyList<IReadOnlyList<double>> seeds)
    {
        int n = seeds.Count == 0 ? 0 : seeds.Max(s => s.Count);
        var index = new List<int>();
        var mean = new List<double>();
        var lo = new List<double>();
        var hi = new List<double>();
        for (int i = 0; i < n; i++)
        {
            double[] logs = seeds.Where(s => i < s.Count && s[i] > 0 && double.IsFinite(s[i])).Select(s => Math.Log10(s[i])).ToArray();
            if (logs.Length == 0)
            {
                continue;
            }
            index.Add(i);
            mean.Add(logs.Average());
            lo.Add(logs.Min());
            hi.Add(logs.Max());
        }
        return new LogBand(index.ToArray(), mean.ToArray(), lo.ToArray(), hi.ToArray());
    }
}
