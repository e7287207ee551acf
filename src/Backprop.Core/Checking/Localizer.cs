using System.Globalization;
using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// Finds where a backward pass goes wrong: checks the loss gradient and then each layer's rules, layer L down to
/// 1, on their own at the inputs the forward pass gave that layer (the layer as a function of its W, b, gamma, beta
/// and x, weighted by the gradient it actually received), so an error upstream cannot hide or imitate one here. A
/// normed layer's norm is checked as an op of its own (dJ/dz from the dJ/dy it received), and each residual block's
/// sum where the block ends (the split of g) and where it starts (the skip's share added to the branch's dJ/dx,
/// against differences of the whole block in x_b). The findings come in backward order; the first is where the
/// backward pass first goes wrong. Known mistakes (a missing phi', W for W^T, a missing 2 or 1/m, an overwritten
/// batch sum, the delta of the layer above, a norm without its mean term, a skip whose share is not added) are
/// recognised and named.
/// </summary>
public static partial class Localizer
{
    public static Localization Locate(GradientProblem problem, BackwardTrace trace, double h)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(trace);
        int m = problem.Count;
        Mlp network = problem.Network.Clone();
        double[] output = network.Forward(problem.Inputs, m).ToArray();
        var findings = new List<LocalFinding>();
        CheckLoss(problem, output, trace, h, findings);
        IReadOnlyList<ResidualBlock> blocks = network.Blocks;
        for (int l = network.Depth - 1; l >= 0; l--)
        {
            int ending = EngineBackward.IndexOf(blocks, b => b.Last == l);
            if (ending >= 0 && ending < trace.Blocks.Count)
            {
                CheckSplit(network, ending, problem.Inputs, m, trace, h, findings);
            }
            CheckLayer(network, l, problem.Inputs, m, trace, h, findings);
            int starting = EngineBackward.IndexOf(blocks, b => b.First == l);
            if (starting >= 0 && starting < trace.Blocks.Count)
            {
                CheckJoin(network, starting, problem.Inputs, m, trace, h, findings);
            }
        }
        return new Localization(findings);
    }

    private static void CheckLoss(GradientProblem problem, double[] output, BackwardTrace trace, double h, List<LocalFinding> findings)
    {
        int m = problem.Count;
        int n = problem.Network.OutputSize;
        RuleOutcome outcome = RuleComparison.Compare(trace.OutputGradient, output,
            y => (problem.Loss.Value(y, problem.Targets, m, n), []), h, seed: 17);
        if (outcome.Passed)
        {
            return;
        }
        string hint = outcome.Factor switch
        {
            { } f when Near(f, 0.5) && problem.Loss == Loss.MeanSquaredError => " (the 2 of d(y - yhat)^2 / dyhat = -2 (y - yhat) is missing)",
            { } f when Near(f, m) && m > 1 => $" = m (the 1/m of the batch mean is missing)",
            { } f when Near(f, 1.0 / m) && m > 1 => " = 1/m (divided by m twice)",
            _ => "",
        };
        string site = $"loss ({problem.Loss})";
        findings.Add(new LocalFinding(null, site, LocalOperation.LossGradient, outcome.RelativeError, outcome.Factor,
            $"{site}: gradient dJ/dyhat {Off(outcome)}{hint}"));
    }

    private static void CheckLayer(Mlp network, int l, double[] inputs, int m, BackwardTrace trace, double h, List<LocalFinding> findings)
    {
        DenseLayer layer = network.Layers[l];
        LayerTrace t = trace.Layers[l];
        LayerTrace? above = l + 1 < network.Depth ? trace.Layers[l + 1] : null;
        double[] x = Input(network, l, inputs);
        string site = $"layer {l + 1} ({(layer.Norm == Normalization.None ? "" : "layernorm, ")}{layer.Activation})";
        var f = new LayerFunction(layer, m, x, t.Upstream);
        ulong seed = 100 + (ulong)l;

        int ending = EngineBackward.IndexOf(network.Blocks, b => b.Last == l);
        double[] sentDown = ending >= 0 && ending < trace.Blocks.Count ? trace.Blocks[ending].BranchGradient : SentDown(network, l, trace);
        if (!RuleComparison.Same(t.Upstream, sentDown))
        {
            string from = ending >= 0 ? $"the sum of residual block {ending + 1} gave its branch" : above is null ? "the loss passed down" : $"layer {l + 2} passed down";
            Add(findings, l, site, LocalOperation.Wiring, double.NaN, null,
                $"{site}: the gradient it received is not the dJ/da {from} (the wiring between them is wrong)");
        }
        bool normed = layer.Norm != Normalization.None && t.NormOutputGradient.Length == t.Delta.Length;
        CheckActivation(layer, normed ? t with { Delta = t.NormOutputGradient } : t, site, l, h, findings);
        if (normed)
        {
            CheckNorm(f, layer, t, m, site, l, h, seed, findings);
        }

        RuleOutcome weights = RuleComparison.Compare(t.WeightGradient, f.Weights, w => f.Evaluate(weights: w), h, seed);
        if (!weights.Passed)
        {
            string why = above is not null && above.Delta.Length == t.Delta.Length
                && Explains(t.WeightGradient, WeightGradient(above.Delta, layer, x, m), WeightGradient(t.Delta, layer, x, m))
                ? $"it is delta[{l + 2}]^T a[{l}]: the delta of the layer above, shifted by one layer"
                : "";
            Add(findings, l, site, LocalOperation.WeightGradient, weights.RelativeError, weights.Factor, $"{site}: weight gradient dJ/dW[{l + 1}] {Off(weights, why)}");
        }

        RuleOutcome biases = RuleComparison.Compare(t.BiasGradient, f.Biases, b => f.Evaluate(biases: b), h, seed + 1000);
        if (!biases.Passed)
        {
            string why = "";
            double[] rightBiases = SumRows(t.Delta, m, layer.OutputSize);
            if (m > 1 && Explains(t.BiasGradient, t.Delta.AsSpan((m - 1) * layer.OutputSize, layer.OutputSize), rightBiases))
            {
                why = "it is the last example's delta alone: the sum over the batch, where b fans out to every example, overwrites instead of accumulating";
            }
            else if (above is not null && above.Delta.Length == t.Delta.Length && Explains(t.BiasGradient, SumRows(above.Delta, m, layer.OutputSize), rightBiases))
            {
                why = $"it is the batch sum of delta[{l + 2}]: the delta of the layer above, shifted by one layer";
            }
            Add(findings, l, site, LocalOperation.BiasGradient, biases.RelativeError, biases.Factor, $"{site}: bias gradient dJ/db[{l + 1}] {Off(biases, why)}");
        }

        RuleOutcome input = RuleComparison.Compare(t.InputGradient, f.Input, xi => f.Evaluate(input: xi), h, seed + 2000);
        if (!input.Passed)
        {
            string why = "";
            double[] rightInput = InputGradient(t.Delta, layer, m, transposed: false);
            if (layer.InputSize == layer.OutputSize && Explains(t.InputGradient, InputGradient(t.Delta, layer, m, transposed: true), rightInput))
            {
                why = "it is delta W^T: W used where the rule needs W^T (dJ/dx = delta W in row form, W^T delta in column form)";
            }
            else if (above is not null && above.Delta.Length == t.Delta.Length && Explains(t.InputGradient, InputGradient(above.Delta, layer, m, transposed: false), rightInput))
            {
                why = $"it is delta[{l + 2}] W[{l + 1}]: the delta of the layer above, shifted by one layer";
            }
            string what = l == 0 ? "dJ/dx" : network.BlockEndingAt(l - 1) is null ? $"dJ/da[{l}]" : $"dJ/dh[{l}]";
            if (network.BlockStartingAt(l) is not null)
            {
                what = $"(the branch's share of {what})";
            }
            Add(findings, l, site, LocalOperation.InputGradient, input.RelativeError, input.Factor, $"{site}: input gradient {what} passed down {Off(input, why)}");
        }
    }

    /// <summary>The input the forward pass gave layer index <paramref name="l"/>: x, or what the layer below reads out (a block's output where one ends).</summary>
    private static double[] Input(Mlp network, int l, double[] inputs) => l == 0 ? inputs : network.OutputOf(l - 1).ToArray();

    /// <summary>
    /// dJ/d(what the layer above reads from layer index <paramref name="l"/>), as the trace says it was passed down: from
    /// the loss, from the layer above, or where a block starts above, that block's dJ/dx_b.
    /// </summary>
    private static double[] SentDown(Mlp network, int l, BackwardTrace trace)
    {
        if (l == network.Depth - 1)
        {
            return trace.OutputGradient;
        }
        int starting = EngineBackward.IndexOf(network.Blocks, b => b.First == l + 1);
        return starting >= 0 && starting < trace.Blocks.Count ? trace.Blocks[starting].InputGradient : trace.Layers[l + 1].InputGradient;
    }

    /// <summary>delta = dJ/da * phi'(z), element by element, against g (phi(z + h) - phi(z - h)) / 2h; units within h of a kink are skipped.</summary>
    private static void CheckActivation(DenseLayer layer, LayerTrace t, string site, int l, double h, List<LocalFinding> findings)
    {
        ReadOnlySpan<double> z = layer.PreActivation;
        Activation phi = layer.Activation;
        double scale = 0;
        for (int i = 0; i < z.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(t.Upstream[i]) * Math.Max(1.0, Math.Abs(phi.Apply(z[i]))));
        }
        double floor = ErrorBands.NoiseFloor(scale, h);
        double worst = 0;
        var ratios = new List<double>();
        for (int i = 0; i < z.Length; i++)
        {
            if (phi.HasKink && Math.Abs(z[i]) <= 2 * h)
            {
                continue;
            }
            double numeric = t.Upstream[i] * (phi.Apply(z[i] + h) - phi.Apply(z[i] - h)) / (2 * h);
            if (Math.Abs(t.Delta[i] - numeric) > floor)
            {
                worst = Math.Max(worst, ErrorBands.RelativeError(t.Delta[i], numeric));
            }
            if (Math.Abs(numeric) > 10 * floor)
            {
                ratios.Add(t.Delta[i] / numeric);
            }
        }
        if (worst <= ErrorBands.Fine)
        {
            return;
        }
        double? factor = RuleComparison.ConstantFactor(ratios);
        string what = RuleComparison.Same(t.Delta, t.Upstream)
            ? "missing: delta = dJ/da where it must be dJ/da * phi'(z)"
            : $"{Off(new RuleOutcome(false, worst, factor))} (delta = dJ/dz must be dJ/da * phi'(z))";
        Add(findings, l, site, LocalOperation.ActivationDerivative, worst, factor, $"{site}: activation derivative {what}");
    }

    private static void Add(List<LocalFinding> findings, int l, string site, LocalOperation operation, double relative, double? factor, string message) =>
        findings.Add(new LocalFinding(l + 1, site, operation, relative, factor, message));

    /// <summary>"wrong: it is ..." when a known mistake explains the error, else the factor or the size of the error.</summary>
    private static string Off(RuleOutcome outcome, string knownMistake = "") => knownMistake.Length > 0
        ? $"wrong: {knownMistake}"
        : outcome.Factor is { } f
        ? string.Create(CultureInfo.InvariantCulture, $"off by a factor of {f:G6}")
        : string.Create(CultureInfo.InvariantCulture, $"wrong (relative error {outcome.RelativeError:G3}, not a constant factor)");

    private static bool Near(double value, double target) => Math.Abs(value - target) <= 1e-6 * Math.Abs(target);

    /// <summary>
    /// Whether a known mistake explains a gradient: the gradient equals what the mistake computes, and the mistake
    /// computes something other than the rule itself. Where both agree (W^T for a symmetric W, as in any 1 x 1
    /// layer; the delta of the layer above when it equals this one's) the mistake cannot be told from the rule.
    /// </summary>
    private static bool Explains(ReadOnlySpan<double> gradient, ReadOnlySpan<double> mistake, ReadOnlySpan<double> rule) =>
        RuleComparison.Same(gradient, mistake) && !RuleComparison.Same(mistake, rule);

    /// <summary>delta^T x, dJ/dW for a layer's delta (m x outputs) and input (m x inputs).</summary>
    private static double[] WeightGradient(double[] delta, DenseLayer layer, double[] x, int m)
    {
        var dw = new double[layer.OutputSize * layer.InputSize];
        Gemm.MultiplyTransposedA(delta, x, m, layer.OutputSize, layer.InputSize, dw);
        return dw;
    }

    private static double[] SumRows(double[] values, int m, int n)
    {
        var sums = new double[n];
        Gemm.SumRows(values, m, n, sums);
        return sums;
    }

    private static double[] InputGradient(double[] delta, DenseLayer layer, int m, bool transposed)
    {
        var dx = new double[m * layer.InputSize];
        if (transposed)
        {
            Gemm.MultiplyTransposedB(delta, layer.Weights, m, layer.OutputSize, layer.InputSize, dx);
        }
        else
        {
            Gemm.Multiply(delta, layer.Weights, m, layer.OutputSize, layer.InputSize, dx);
        }
        return dx;
    }
}
