using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Checking;

/// <summary>
/// Checks a network's analytic gradients (from the engine, or any <see cref="IBackwardPass"/>) against central
/// differences of J in float64: every entry of every W_l, b_l, gamma_l, beta_l and x (<see cref="Full"/>), or one random
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
    /// Unlike the full check, this runs on <see cref="GradientProblem.Network"/> itself (see <see cref="DirectionalProbe"/>):
    /// its parameters come back bit for bit, but its activation and gradient buffers are overwritten, as by a
    /// training step, and it must not be checked from two threads at once.
    /// </summary>
    public static GradCheckReport Fast(GradientProblem problem, GradCheckOptions? options = null, IBackwardPass? backward = null)
    {
        options ??= new GradCheckOptions();
        backward ??= EngineBackward.Instance;
        options.Validate();
        problem.Validate();
        IReadOnlyList<TensorId> tensors = problem.Tensors();
        var (loss, floor, whole, perTensor) = Directional(problem, tensors, options, backward);
        if (perTensor is null)
        {
            var fast = new FastCheck(whole.Analytic, whole.Numeric, whole.RelativeError, whole.Verdict, []);
            var notes = whole.Verdict == EntryVerdict.KinkCrossed ? new[] { "kink crossed along the direction; a lies between the one-sided differences" } : [];
            return new GradCheckReport(Describe(problem, backward), "fast", options, loss, floor, GradCheckVerdict.Pass, [], fast, null, notes);
        }
        var involved = tensors.Where((t, i) => !perTensor[i].Conclusive).ToList();
        GradCheckReport full = RunFull(problem, options, backward, involved.Count > 0 ? involved : tensors, "fast");
        return full with { Fast = new FastCheck(whole.Analytic, whole.Numeric, whole.RelativeError, whole.Verdict, perTensor) };
    }

    /// <summary>
    /// The directional part of the fast check, on the problem's own network: the whole direction, and when that is
    /// not conclusive one direction per tensor (null when it is). The engine's gradients are read where its backward
    /// pass left them rather than copied into a trace, and its loss at t is the probe's centre: the cost is then the
    /// backward pass, two forwards and a few passes over the parameters (draw u, save t, move twice, put t back).
    /// </summary>
    private static (double Loss, double Floor, DirectionalCheck Whole, List<DirectionalCheck>? PerTensor) Directional(
        GradientProblem problem, IReadOnlyList<TensorId> tensors, GradCheckOptions options, IBackwardPass backward)
    {
        using var probe = new DirectionalProbe(problem, options.Precision);
        int length = tensors.Sum(t => problem.Shape(t).Rows * problem.Shape(t).Cols);
        double[] buffer = ArrayPool<double>.Shared.Rent(length);
        try
        {
            var direction = new DirectionPart[tensors.Count];
            int at = 0;
            for (int t = 0; t < tensors.Count; t++)
            {
                var (rows, cols) = problem.Shape(tensors[t]);
                direction[t] = new DirectionPart(tensors[t], new ArraySegment<double>(buffer, at, rows * cols));
                at += rows * cols;
            }
            // A continuous random direction, u_i ~ U(-1, 1) before normalising, as PyTorch's fast gradcheck draws it.
            // Any fixed error in the gradient is missed only when u is orthogonal to it, which a continuous u is with
            // probability zero. Random signs would be cheaper still but were rejected: a sign vector can cancel a
            // structured error exactly (a planted overwrite-at-fan-out bug passed with one). Gaussian draws, the other
            // continuous choice, cost a logarithm each, which on a 1.35M-parameter network took longer than three
            // training steps; a uniform draw costs one random number. One draw over the parts laid end to end gives
            // the numbers a draw tensor by tensor would.
            new Rng(options.Seed).FillUniform(buffer.AsSpan(0, length), -1.0, 1.0);
            Normalize(direction.Select(d => d.U));

            BackwardTrace? trace = null;
            double loss;
            if (backward is EngineBackward)
            {
                loss = problem.Network.ComputeGradients(problem.Inputs, problem.Targets, problem.Count, problem.Loss);
            }
            else
            {
                trace = backward.Run(problem.Network, problem.Inputs, problem.Targets, problem.Count, problem.Loss);
                loss = trace.Loss;
            }
            if (trace is null && options.Precision == Precision.Double)
            {
                probe.UseCenter(loss);
            }
            else
            {
                probe.EvaluateCenter();
            }
            double floor = ErrorBands.NoiseFloor(loss, options.Step);
            // The forward passes of the directional checks write activations and the output gradient, never the
            // engine's dJ/dW, dJ/db or dJ/dx, so the gradients read below stay those of t.
            DirectionalCheck whole = Check("all", direction, trace, problem.Network, probe, floor, options.Step);
            if (whole.Conclusive)
            {
                return (loss, floor, whole, null);
            }
            var perTensor = direction.Select(d =>
            {
                var single = new[] { new DirectionPart(d.Tensor, new ArraySegment<double>(d.U.ToArray())) };
                Normalize(single.Select(s => s.U));
                return Check(d.Tensor.Name, single, trace, problem.Network, probe, floor, options.Step);
            }).ToList();
            return (loss, floor, whole, perTensor);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
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

    private static DirectionalCheck Check(
        string name, IReadOnlyList<DirectionPart> direction, BackwardTrace? trace, Mlp network, DirectionalProbe probe, double floor, double h)
    {
        double analytic = 0;
        foreach (DirectionPart part in direction)
        {
            ReadOnlySpan<double> g = trace is null ? EngineGradient(network, part.Tensor) : GradientProblem.GradientOf(trace, part.Tensor);
            analytic = AddProducts(analytic, g, part.U);
        }
        Difference d = probe.Direction(direction, h);
        var (relative, _, verdict) = d.Judge(analytic, floor);
        return new DirectionalCheck(name, analytic, d.Numeric, relative, verdict, d.Kink);
    }

    /// <summary>
    /// sum + g . u, adding the products in order, one at a time: a vectorised dot product would regroup the sum and
    /// change a's last bits for a saving of a fraction of a millisecond on a million entries. Fully optimised from the
    /// first call: it runs once per check, and the tier-0 code a rarely called loop starts in (on-stack replacement
    /// keeping the running sum in memory) took 6 ms here on a 1.35M-parameter network instead of 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double AddProducts(double sum, ReadOnlySpan<double> g, ReadOnlySpan<double> u)
    {
        for (int i = 0; i < u.Length; i++)
        {
            sum += g[i] * u[i];
        }
        return sum;
    }

    /// <summary>A tensor's gradient where the engine's last backward pass left it (what <see cref="EngineBackward"/> would copy).</summary>
    private static ReadOnlySpan<double> EngineGradient(Mlp network, TensorId tensor) => tensor.Kind switch
    {
        TensorKind.Weights => network.Layers[tensor.Layer - 1].WeightGradient,
        TensorKind.Biases => network.Layers[tensor.Layer - 1].BiasGradient,
        TensorKind.NormGain => network.Layers[tensor.Layer - 1].NormGainGradient,
        TensorKind.NormBias => network.Layers[tensor.Layer - 1].NormBiasGradient,
        _ => network.InputGradient,
    };

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
        string shape = ShapeText(network);
        string examples = problem.Count == 1 ? "1 example" : $"{problem.Count} examples";
        string source = backward is EngineBackward ? "" : $", backward: {backward.Name}";
        return $"{network.InputSize} inputs -> {shape}{BlocksText(network)}; {examples}, loss {problem.Loss}{source}";
    }

    /// <summary>"4 (tanh) -> 4 (layernorm, tanh) -> 1 (identity)": each layer's units, norm and activation.</summary>
    public static string ShapeText(Mlp network) =>
        string.Join(" -> ", network.Layers.Select(l => l.Norm == Normalization.None ? $"{l.OutputSize} ({l.Activation})" : $"{l.OutputSize} (layernorm, {l.Activation})"));

    /// <summary>"; residual blocks 2-3, 4-5 (pre, alpha 0.7071)": the layers each skip goes around, 1-based ("" for a plain network).</summary>
    public static string BlocksText(Mlp network)
    {
        IReadOnlyList<ResidualBlock> blocks = network.Blocks;
        if (blocks.Count == 0)
        {
            return "";
        }
        string form = blocks[0].After is null ? "pre" : $"post, {blocks[0].After} after the sum";
        string spans = string.Join(", ", blocks.Select(b => b.Count == 1 ? $"{b.First + 1}" : $"{b.First + 1}-{b.Last + 1}"));
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; residual blocks {spans} ({form}, alpha {blocks[0].Scale:G4})");
    }

    private static string Describe(GradientProblem problem, TensorId tensor)
    {
        var (rows, cols) = problem.Shape(tensor);
        return tensor.Kind switch
        {
            TensorKind.Weights => $"dJ/dW[{tensor.Layer}], {rows} x {cols} ({problem.Network.Layers[tensor.Layer - 1].Activation})",
            TensorKind.Biases => $"dJ/db[{tensor.Layer}], {cols}",
            TensorKind.NormGain => $"dJ/dgamma[{tensor.Layer}], {cols} (layernorm gain)",
            TensorKind.NormBias => $"dJ/dbeta[{tensor.Layer}], {cols} (layernorm bias)",
            _ => $"dJ/dx, {rows} x {cols}",
        };
    }

    private static void Normalize(IEnumerable<ArraySegment<double>> parts)
    {
        var list = parts.ToList();
        double sum = 0;
        foreach (ArraySegment<double> p in list)
        {
            sum += TensorPrimitives.SumOfSquares<double>(p);
        }
        double norm = Math.Sqrt(sum);
        foreach (ArraySegment<double> p in list)
        {
            TensorPrimitives.Divide(p, norm, p);
        }
    }
}
