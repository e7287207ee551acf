using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>One step size of a sweep: the central difference at h and its relative error against the analytic value.</summary>
public sealed record SweepPoint(double Step, double Numeric, double RelativeError);

/// <summary>Error against h for one entry: truncation error (~h^2) falls as h shrinks until rounding (~eps |J| / h) takes over.</summary>
public sealed record SweepSeries(string Entry, double Analytic, IReadOnlyList<SweepPoint> Points)
{
    public SweepPoint Best => Points.MinBy(p => p.RelativeError)!;
}

public sealed record StepSweepResult(string Subject, Precision Precision, double Loss, IReadOnlyList<SweepSeries> Series);

/// <summary>
/// The step-size sweep: for chosen entries, the central difference at h = 1e-1, 1e-2, ..., 1e-12 and its error.
/// The data trace the V: on the right (large h) the truncation error h^2 |J'''| / 6 falls 100-fold per decade;
/// on the left (small h) the rounding error eps |J| / h rises 10-fold per decade; the best h sits where they
/// meet, near eps^(1/3) (~1e-5 in float64, ~5e-3 in float32).
/// </summary>
public static class StepSweep
{
    public static IReadOnlyList<double> Steps { get; } = Enumerable.Range(1, 12).Select(k => Math.Pow(10, -k)).ToArray();

    /// <summary>
    /// Sweeps the given entries (labels like "W2[3,1]", "b1[2]", "gamma1[2]", "x[1,2]"), or by default the largest-gradient
    /// entry of W_1 and of W_L. Throws <see cref="ArgumentException"/> for a label that names no entry.
    /// </summary>
    public static StepSweepResult Run(GradientProblem problem, IReadOnlyList<string>? entries = null, GradCheckOptions? options = null, IBackwardPass? backward = null)
    {
        options ??= new GradCheckOptions();
        backward ??= EngineBackward.Instance;
        options.Validate();
        problem.Validate();
        BackwardTrace trace = backward.Run(problem.Network.Clone(), problem.Inputs, problem.Targets, problem.Count, problem.Loss);
        var chosen = entries is { Count: > 0 } ? entries.Select(e => Resolve(problem, e)).ToList() : Defaults(problem, trace);
        var probe = new LossProbe(problem, options.Precision);
        double center = probe.Loss();
        var series = chosen.Select(c =>
        {
            double analytic = GradientProblem.GradientOf(trace, c.Tensor)[c.Index];
            var points = Steps.Select(h =>
            {
                double numeric = probe.Entry(c.Tensor, c.Index, h, center).Numeric;
                return new SweepPoint(h, numeric, ErrorBands.RelativeError(analytic, numeric));
            }).ToList();
            return new SweepSeries(c.Tensor.Label(c.Index, problem.Shape(c.Tensor).Cols), analytic, points);
        }).ToList();
        return new StepSweepResult(GradientChecker.Describe(problem, backward), options.Precision, trace.Loss, series);
    }

    /// <summary>The tensor and row-major index of an entry label, checked against the network's shapes.</summary>
    public static (TensorId Tensor, int Index) Resolve(GradientProblem problem, string label)
    {
        if (!TensorId.TryParseEntry(label, out TensorId tensor, out int row, out int col))
        {
            throw new ArgumentException($"entry '{label}': expected W<layer>[row,col], b<layer>[unit], gamma<layer>[unit], beta<layer>[unit] or x[example,input], 1-based, e.g. W2[3,1]");
        }
        if (tensor.Kind != TensorKind.Inputs && tensor.Layer > problem.Network.Depth)
        {
            throw new ArgumentException($"entry '{label}': the network has {problem.Network.Depth} layer(s)");
        }
        if (tensor.Kind is TensorKind.NormGain or TensorKind.NormBias && problem.Network.Layers[tensor.Layer - 1].Norm == Normalization.None)
        {
            throw new ArgumentException($"entry '{label}': layer {tensor.Layer} has no norm, so no gamma or beta");
        }
        var (rows, cols) = problem.Shape(tensor);
        if (row < 1 || row > rows || col < 1 || col > cols)
        {
            throw new ArgumentException($"entry '{label}': {tensor.Name} is {rows} x {cols} (1-based indices)");
        }
        return (tensor, (row - 1) * cols + (col - 1));
    }

    private static List<(TensorId Tensor, int Index)> Defaults(GradientProblem problem, BackwardTrace trace)
    {
        var layers = problem.Network.Depth == 1 ? new[] { 1 } : [1, problem.Network.Depth];
        return layers.Select(l =>
        {
            var tensor = new TensorId(TensorKind.Weights, l);
            double[] g = GradientProblem.GradientOf(trace, tensor);
            int best = 0;
            for (int i = 1; i < g.Length; i++)
            {
                best = Math.Abs(g[i]) > Math.Abs(g[best]) ? i : best;
            }
            return (tensor, best);
        }).ToList();
    }
}
