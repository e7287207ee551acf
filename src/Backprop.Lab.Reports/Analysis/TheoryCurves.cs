using System.Collections.Concurrent;
using Backprop.Core.Experiments;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The mean-field curves drawn over the phase diagram: the critical sigma_w^2 (chi1 = 1 at the fixed point that the
/// inputs' variance flows to) at the sweep's sigma_b^2, and the trainable-depth curve L = 6 xi_c, xi_c = -1/ln(chi_c)
/// (Schoenholz et al. 2017: networks train up to about 6 xi_c layers). In the ordered phase chi_c = chi1; in the chaotic
/// phase chi_c is the correlation map's slope at its fixed point c* &lt; 1, not the gradient factor chi1.
/// </summary>
/// <remarks>
/// Every figure of a group draws the same curves, from several threads: each is computed once per
/// (activation, sigma_b^2, q0, range) and kept (the chaotic branch costs tens of milliseconds a point).
/// </remarks>
public static class TheoryCurves
{
    public const double TrainableDepthFactor = MeanFieldPrediction.TrainableDepthFactor;

    private const int MaxRemembered = 256;
    private static readonly ConcurrentDictionary<string, Lazy<object?>> Remembered = new(StringComparer.Ordinal);

    private const int MaxJacobianPredictions = 1 << 16;
    private static readonly ConcurrentDictionary<(TrialConfig Shape, double MeanSquare), double?> JacobianPredictions = new();

    /// <summary>The critical sigma_w^2 for inputs of mean square <paramref name="q0"/> (<see cref="CriticalLine.CriticalSw2"/>).</summary>
    public static double? CriticalSw2(Activation phi, double sb2, double q0 = 1.0) =>
        (double?)Remember(FormattableString.Invariant($"critical {phi} {sb2:R} {q0:R}"), () => CriticalLine.CriticalSw2(phi, sb2, q0));

    /// <summary>The critical sigma_w^2 of a group, for the mean square of its trials' inputs.</summary>
    public static double? CriticalSw2(ActivationGroup group) => group.PlainTheory ? CriticalSw2(group.Activation, group.Sb2, InputMeanSquare(group)) : null;

    /// <summary>
    /// The inputs' mean square ||x||^2 / n of the data the group's trials were given (the mean over the distinct data sets,
    /// regenerated from their configs): q^1 = sigma_w^2 q0 + sigma_b^2 decides which fixed point q flows to when there are several.
    /// 1 when the group has no trials.
    /// </summary>
    public static double InputMeanSquare(ActivationGroup group)
    {
        var keys = group.Trials.Select(t => (t.Config.Dataset, t.Config.Samples, t.Config.Width, t.Config.InputDim, t.Config.Seed, t.Config.InputScale)).Distinct().ToList();
        if (keys.Count == 0)
        {
            return 1.0;
        }
        return keys.Average(k => (double)Remember(FormattableString.Invariant($"q0 {k}"), () =>
        {
            Dataset data = Datasets.Create(k.Dataset, k.Samples, k.Width, k.InputDim, k.Seed, inputScale: k.InputScale);
            return data.Inputs.Average(x => x * x);
        })!);
    }

    /// <summary>
    /// The mean-field (1/N) ||J||_F^2 of a trial's Jacobian (<see cref="TrialTheory.JacobianMeanSquared"/>), q^1 from its
    /// data set's inputs (regenerated from the config, once per data set); null where theory has none or the data set cannot
    /// be made.
    /// </summary>
    public static double? JacobianMeanSquared(TrialConfig config) => JacobianMeanSquared([config]);

    /// <summary>
    /// The prediction for trials alike but for their seed (the first one's shape), q^1 from the mean of their data sets'
    /// mean squares, as <see cref="InputMeanSquare(ActivationGroup)"/> takes it: one computation for a configuration's seeds.
    /// </summary>
    public static double? JacobianMeanSquared(IReadOnlyList<TrialConfig> seeds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds.Count, 1);
        var inputs = seeds.Select(Inputs).ToArray();
        if (inputs.Any(i => i is null))
        {
            return null;
        }
        double meanSquare = inputs.Average(i => i!.Value.MeanSquare);
        // Trials that differ only in how they train share a prediction; a residual tanh net of depth 65 takes tens of ms.
        TrialConfig shape = seeds[0] with { Seed = 0, Steps = 0, LearningRate = 0, Optimizer = "", RecordEvery = 0, BatchSize = 0, Loss = null, Jacobian = default };
        if (JacobianPredictions.TryGetValue((shape, meanSquare), out double? known))
        {
            return known;
        }
        if (JacobianPredictions.Count > MaxJacobianPredictions)
        {
            JacobianPredictions.Clear();
        }
        return JacobianPredictions[(shape, meanSquare)] = TrialTheory.JacobianMeanSquared(shape, inputs[0]!.Value.Size, meanSquare);
    }

    /// <summary>The mean square ||x||^2 / n of one trial's inputs (its data set regenerated once), or null when this build cannot make it.</summary>
    public static double? InputMeanSquare(TrialConfig config) => Inputs(config)?.MeanSquare;

    /// <summary>The input dimension and mean square of a trial's data set, or null when this build cannot make it.</summary>
    private static (int Size, double MeanSquare)? Inputs(TrialConfig config) => ((int Size, double MeanSquare)?)Remember(
        FormattableString.Invariant($"inputs {config.Dataset} {config.Samples} {config.Width} {config.InputDim} {config.Seed} {config.InputScale:R}"), () =>
        {
            try
            {
                Dataset data = Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed, inputScale: config.InputScale);
                return (data.InputSize, data.Inputs.Average(x => x * x));
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                return null; // a data set this build does not know (or cannot read): no prediction rather than no view
            }
        });

    /// <summary>
    /// (sigma_w^2, 6 xi_c) at <paramref name="points"/> geometrically spaced sigma_w^2 in [min, max], split into the ordered
    /// and the chaotic branch (xi_c is infinite at the boundary, so they are separate curves). Where xi_c is infinite (at the
    /// boundary, or where q diverges and correlations approach c* = 1 slower than exponentially) there is no point.
    /// </summary>
    public static (IReadOnlyList<(double Sw2, double Depth)> Ordered, IReadOnlyList<(double Sw2, double Depth)> Chaotic) SixXi(
        Activation phi, double sb2, double min, double max, int points = 64, double q0 = 1.0) =>
        ((IReadOnlyList<(double, double)>, IReadOnlyList<(double, double)>))Remember(
            FormattableString.Invariant($"six-xi {phi} {sb2:R} {min:R} {max:R} {points} {q0:R}"), () => ComputeSixXi(phi, sb2, min, max, points, q0))!;

    private static (IReadOnlyList<(double Sw2, double Depth)> Ordered, IReadOnlyList<(double Sw2, double Depth)> Chaotic) ComputeSixXi(
        Activation phi, double sb2, double min, double max, int points, double q0)
    {
        var ordered = new List<(double, double)>();
        var chaotic = new List<(double, double)>();
        double lo = Math.Log(min), hi = Math.Log(max);
        for (int i = 0; i < points; i++)
        {
            double sw2 = points == 1 ? min : Math.Exp(lo + (hi - lo) * i / (points - 1));
            MeanFieldPrediction p = MeanField.Predict(phi, sw2, sb2, q0);
            double depth = p.TrainableDepth;
            if (!double.IsFinite(depth))
            {
                continue;
            }
            (p.Chi1 < 1 ? ordered : chaotic).Add((sw2, depth));
        }
        return (ordered.AsReadOnly(), chaotic.AsReadOnly());
    }

    private static object? Remember(string key, Func<object?> compute)
    {
        if (Remembered.Count > MaxRemembered)
        {
            Remembered.Clear();
        }
        return Remembered.GetOrAdd(key, _ => new Lazy<object?>(compute)).Value;
    }
}
