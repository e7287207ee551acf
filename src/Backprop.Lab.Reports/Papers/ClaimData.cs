using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;

namespace Backprop.Lab.Reports.Papers;

/// <summary>What the claims read from trials: the measurements at initialisation, per layer, and simple summaries of them.</summary>
internal static class ClaimData
{
    /// <summary>Trials that ran (trained to the end or diverged) and have their measurements.</summary>
    public static IEnumerable<TrialResult> Measured(IEnumerable<TrialResult> trials) =>
        trials.Where(t => t.Outcome != Outcome.Failed && t.Summary is not null && t.Checkpoints.Count > 0);

    /// <summary>Whether the trial's activation and initialiser are these (canonical names: "tanh", "xavier_uniform"; null matches any).</summary>
    public static bool Is(TrialResult t, string? activation, string? init = null)
    {
        var fields = t.Config.Fields();
        string Field(string name) => fields.First(f => f.Key == name).Value;
        return (activation is null || Field("activation") == activation) && (init is null || Field("init") == init);
    }

    /// <summary>A plain network (no residual blocks, no normalisation): the one mean-field theory of these papers describes.</summary>
    public static bool IsPlain(TrialResult t) =>
        t.Config.ParsedArchitecture is { Residual: false, Norm: Backprop.Core.Networks.Normalization.None } && t.Config.UniformWidth;

    /// <summary>The hidden layers' statistics at step 0 (the readout, layer Depth + 1, left out).</summary>
    public static IReadOnlyList<LayerStats> HiddenAtInit(TrialResult t) =>
        t.Checkpoints[0].Layers.Where(l => l.Layer <= t.Config.Depth).OrderBy(l => l.Layer).ToArray();

    /// <summary>E[a^2] of a layer's activations over the batch and units: its second moment, from the mean and spread.</summary>
    public static double SecondMoment(LayerStats l) => l.ActStd * l.ActStd + l.ActMean * l.ActMean;

    /// <summary>The mean square entry of dJ/dW_l: ||dJ/dW_l||^2 over its fan_in x fan_out entries.</summary>
    public static double WeightGradientMeanSquare(TrialResult t, LayerStats l)
    {
        TrialConfig c = t.Config;
        int fanIn = l.Layer == 1 ? Datasets.Shape(c.Dataset, c.Samples, c.Width, c.InputDim, c.TopWidth).InputSize : c.HiddenWidth(l.Layer - 2);
        return l.GradWNorm * l.GradWNorm / ((double)fanIn * c.HiddenWidth(l.Layer - 1));
    }

    /// <summary>
    /// The geometric mean of the ratios values[i + 1] / values[i]: (last / first)^(1 / (n - 1)), the per-layer factor of a
    /// quantity that changes geometrically with depth. NaN for fewer than two values or a non-positive end.
    /// </summary>
    public static double PerLayerFactor(IReadOnlyList<double> values) =>
        values.Count < 2 || !(values[0] > 0) || !(values[^1] > 0) ? double.NaN : Math.Pow(values[^1] / values[0], 1.0 / (values.Count - 1));

    /// <summary>The geometric mean of positive values (NaN when there are none).</summary>
    public static double GeometricMean(IEnumerable<double> values)
    {
        double[] v = values.Where(x => x > 0 && double.IsFinite(x)).ToArray();
        return v.Length == 0 ? double.NaN : Math.Exp(v.Average(Math.Log));
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.Where(double.IsFinite).Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>
    /// A histogram's entries as (bin centre, fraction of all finite entries) by magnitude, both signs together: one curve
    /// per layer in a figure. Zeros are left out (a log axis has no place for them).
    /// </summary>
    public static (double[] X, double[] Y) MagnitudeCurve(Histogram h)
    {
        var x = new List<double>();
        var y = new List<double>();
        double total = h.Total - h.Nan - h.NegInf - h.PosInf;
        if (total <= 0)
        {
            return ([], []);
        }
        for (int bin = 1; bin < Histogram.Bins - 1; bin++)
        {
            int count = h.Count(negative: true, bin) + h.Count(negative: false, bin);
            if (count > 0)
            {
                x.Add(Math.Sqrt(Histogram.Edge(bin - 1) * Histogram.Edge(bin)));
                y.Add(count / total);
            }
        }
        return (x.ToArray(), y.ToArray());
    }

    /// <summary>Each trial's loss at its checkpoints, one series a trial, named "GROUP, seed S", group by group.</summary>
    public static List<FigureSeries> LossCurves(params (string Name, IReadOnlyList<TrialResult> Trials)[] groups) =>
        groups.SelectMany(g => g.Trials.OrderBy(t => t.Config.Seed).Select(t => new FigureSeries($"{g.Name}, seed {t.Config.Seed}",
            t.Checkpoints.Select(c => (double)c.Step).ToArray(), t.Checkpoints.Select(c => c.Loss).ToArray(), SeriesStyle.Measured))).ToList();

    /// <summary>1, 2, ..., n as doubles (layer numbers for a figure's x axis).</summary>
    public static double[] Layers(int n) => Enumerable.Range(1, n).Select(i => (double)i).ToArray();
}
