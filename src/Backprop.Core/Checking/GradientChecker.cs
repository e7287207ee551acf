using System.Numerics.Tensors;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Checking;

/// <summary>
/// Checks a network's analytic gradients (from the engine, or any <see cref="IBackwardPass"/>) against central
/// differences of J in float64: every entry of every W_l, b_l and x (<see cref="Full"/>), or one random
/// direction through all of them (<see cref="Fast"/>). When the check fails, each layer's backward rule is
/// checked on its own and the first wrong one named (<see cref="Localizer"/>).
/// </summary>
public static class GradientChecker
{
    /// <summary>Full check: every entry (or <see cref="GradCheckOptions.SamplePerTensor"/> per tensor), in parallel.</summary>
    public static GradCheckReport Full(GradientProblem problem, GradCheckOptions? options = null, IBackwardPass? backward = null) =>
        RunFull(problem, options ?? new GradCheckOptions(), backward ?? EngineBackward.Instance, problem.Tensors(), "full");

    /// <summary>
    /// Fast check: a = g . u for a random unit direction u over all parameters and inputs against
    /// (J(t + h u) - J(t - h u)) / 2h: one backward and two forward passes whatever the size. The scalar
    /// differentiated is the loss J itself (v = 1 over the scalar output of the cost, v^T J u with J the
    /// Jacobian of the loss), so the loss gradient is checked too and a failure can fall back to the full check
    /// of exactly the same numbers. On failure each tensor gets its own direction, and the tensors that fail
    /// are checked entry by entry: the verdict is then that full check's. A direction that moves every unit can
    /// cross kinks on both sides of t (a unit exactly at z = 0, as behind a dead relu layer), where no one-sided
    /// slope is t's own: such a result is inconclusive and also falls back.
    /// </summary>
    public static GradCheckReport Fast(GradientProblem problem, GradCheckOptions? options = null, IBackwardPass? backward = null)
    {
        options ??= new GradCheckOptions();
        backward ??= EngineBackward.Instance;
        options.Validate();
        problem.Validate();
        // The trace runs on the probe's own copy (a backward pass leaves the weights as they are), which saves
        // cloning the whole network a second time: on large networks the clones cost about a training step.
        var probe = new LossProbe(problem, options.Precision);
        double center = probe.Center;
        BackwardTrace trace = backward.Run(probe.Network, problem.Inputs, problem.Targets, problem.Count, problem.Loss);
        double floor = ErrorBands.NoiseFloor(trace.Loss, options.Step);
        IReadOnlyList<TensorId> tensors = problem.Tensors();
        var rng = new Rng(options.Seed);
        var direction = tensors.Select(t => (Tensor: t, U: Uniforms(rng, probe.Values(t).Length))).ToList();
        Normalize(direction.Select(d => d.U));

        DirectionalCheck whole = Directional("all", direction, trace, probe, center, floor, options.Step);
        if (whole.Conclusive)
        {
            var fast = new FastCheck(whole.Analytic, whole.Numeric, whole.RelativeError, whole.Verdict, []);
            var notes = whole.Verdict == EntryVerdict.KinkCrossed ? new[] { "kink crossed along the direction; a lies between the one-sided differences" } : [];
            return new GradCheckReport(Describe(problem, backward), "fast", options, trace.Loss, floor, GradCheckVerdict.Pass, [], fast, null, notes);
        }
        var perTensor = direction.Select(d =>
        {
            var single = new List<(TensorId, double[])> { (d.Tensor, (double[])d.U.Clone()) };
            Normalize(single.Select(s => s.Item2));
            return Directional(d.Tensor.Name, single, trace, probe, center, floor, options.Step);
        }).ToList();
        var involved = tensors.Where((t, i) => !perTensor[i].Conclusive).ToList();
        GradCheckReport full = RunFull(problem, options, backward, involved.Count > 0 ? involved : tensors, "fast");
        return full with { Fast = new FastCheck(whole.Analytic, whole.Numeric, whole.RelativeError, whole.Verdict, perTensor) };
    }

    private static GradCheckReport RunFull(GradientProblem problem, GradCheckOptions options, IBackwardPass backward, IReadOnlyList<TensorId> which, string mode)
    {
        options.Validate();
        problem.Validate();
        BackwardTrace trace = backward.Run(problem.Network.Clone(), problem.Inputs, problem.Targets, problem.Count, problem.Loss);
        double center = new LossProbe(problem, options.Precision).Center;
        double floor = ErrorBands.NoiseFloor(trace.Loss, options.Step);
        var tensors = which.Select(t =>
        {
            int cols = problem.Shape(t).Cols;
            return new CheckedTensor(t.Name, Describe(problem, t), GradientProblem.GradientOf(trace, t), i => t.Label(i, cols));
        }).ToList();
        TensorCheck[] results = EntryChecks.Run(
            tensors, () => new LossProbe(problem, options.Precision),
            (probe, t, index) => probe.Entry(which[t], index, options.Step, center), floor, options);
        GradCheckVerdict verdict = GradCheckReport.Combine(results.Select(r => r.Verdict));
        Localization? localization = verdict != GradCheckVerdict.Pass && options.Localize
            ? Localizer.Locate(problem, trace, options.Step)
            : null;
        return new GradCheckReport(Describe(problem, backward), mode, options, trace.Loss, floor, verdict, results, null, localization,
            Notes(results, options, center, floor));
    }

    private static DirectionalCheck Directional(
        string name, IReadOnlyList<(TensorId Tensor, double[] U)> direction, BackwardTrace trace, LossProbe probe, double center, double floor, double h)
    {
        double analytic = 0;
        foreach (var (tensor, u) in direction)
        {
            double[] g = GradientProblem.GradientOf(trace, tensor);
            for (int i = 0; i < u.Length; i++)
            {
                analytic += g[i] * u[i];
            }
        }
        Difference d = probe.Direction(direction, h, center);
        var (relative, _, verdict) = d.Judge(analytic, floor);
        return new DirectionalCheck(name, analytic, d.Numeric, relative, verdict, d.Kink);
    }

    private static List<string> Notes(TensorCheck[] results, GradCheckOptions options, double center, double floor)
    {
        var notes = new List<string>();
        int kinks = results.Sum(r => r.KinkCrossings);
        if (kinks > 0)
        {
            notes.Add($"{kinks} entr{(kinks == 1 ? "y" : "ies")} crossed a kink (a unit changed sides of 0 between t - h and t + h): " +
                "checked against the one-sided differences instead; a kink alone does not fail the check");
        }
        int quiet = results.Sum(r => r.BelowNoise);
        if (quiet > 0)
        {
            notes.Add($"{quiet} entr{(quiet == 1 ? "y" : "ies")} with |a - n| below the noise floor {floor:G2} (100 eps max(|J|, 1) / h) not judged");
        }
        if (options.Precision == Precision.Single)
        {
            double rounding = ErrorBands.SingleEpsilon * Math.Abs(center) / options.Step;
            notes.Add($"float32: J is rounded to 24 bits (eps = 1.2e-7), so J(t + h) - J(t - h) carries a rounding error of about " +
                $"eps |J| / h = {rounding:G2} in the derivative at h = {options.Step:G2}, against 2e-16 |J| / h in float64: the bands, " +
                "tuned for float64, cannot be met; the best float32 step is near eps^(1/3) ~ 5e-3 (see --sweep-h), or check in float64");
        }
        return notes;
    }

    internal static string Describe(GradientProblem problem, IBackwardPass backward)
    {
        Mlp network = problem.Network;
        string shape = string.Join(" -> ", network.Layers.Select(l => $"{l.OutputSize} ({l.Activation})"));
        string examples = problem.Count == 1 ? "1 example" : $"{problem.Count} examples";
        string source = backward is EngineBackward ? "" : $", backward: {backward.Name}";
        return $"{network.InputSize} inputs -> {shape}; {examples}, loss {problem.Loss}{source}";
    }

    private static string Describe(GradientProblem problem, TensorId tensor)
    {
        var (rows, cols) = problem.Shape(tensor);
        return tensor.Kind switch
        {
            TensorKind.Weights => $"dJ/dW[{tensor.Layer}], {rows} x {cols} ({problem.Network.Layers[tensor.Layer - 1].Activation})",
            TensorKind.Biases => $"dJ/db[{tensor.Layer}], {cols}",
            _ => $"dJ/dx, {rows} x {cols}",
        };
    }

    /// <summary>
    /// A continuous random direction, u_i ~ U(-1, 1) before normalising, as PyTorch's fast gradcheck draws it. Any
    /// fixed error in the gradient is missed only when u is orthogonal to it, which a continuous u is with
    /// probability zero. Random signs would be cheaper still but were rejected: a sign vector can cancel a
    /// structured error exactly (a planted overwrite-at-fan-out bug passed with one). Gaussian draws, the other
    /// continuous choice, cost a logarithm each, which on a 1.35M-parameter network took longer than three
    /// training steps; a uniform draw costs one random number.
    /// </summary>
    private static double[] Uniforms(Rng rng, int length)
    {
        var u = new double[length];
        for (int i = 0; i < length; i++)
        {
            u[i] = rng.NextUniform(-1.0, 1.0);
        }
        return u;
    }

    private static void Normalize(IEnumerable<double[]> parts)
    {
        var list = parts.ToList();
        double sum = 0;
        foreach (double[] p in list)
        {
            sum += TensorPrimitives.SumOfSquares<double>(p);
        }
        double norm = Math.Sqrt(sum);
        foreach (double[] p in list)
        {
            TensorPrimitives.Divide(p, norm, p);
        }
    }
}
