using System.Numerics.Tensors;
using Backprop.Core.Kernels;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>The localiser's checks of the ops a plain layer does not have: a layer's norm and a residual block's sum.</summary>
public static partial class Localizer
{
    /// <summary>
    /// The norm as an op of its own, s(z) = sum dy * (gamma zhat(z) + beta) at the z the layer computed, whose gradient is
    /// the norm's dJ/dz for the dJ/dy it received; then dJ/dgamma and dJ/dbeta against differences of the whole layer.
    /// </summary>
    private static void CheckNorm(LayerFunction f, DenseLayer layer, LayerTrace t, int m, string site, int l, double h, ulong seed, List<LocalFinding> findings)
    {
        double[] dy = t.NormOutputGradient;
        RuleOutcome norm = RuleComparison.Compare(t.Delta, f.PreNorm(), z => (f.NormScalar(z, dy), []), h, seed + 3000);
        if (!norm.Passed)
        {
            double[] right = NormGradient(layer, dy, m, mean: true, variance: true);
            string why = Explains(t.Delta, NormGradient(layer, dy, m, mean: false, variance: true), right)
                ? "it is (dzhat - zhat mean(dzhat zhat)) / s: the - mean(dzhat) term, the gradient through the row's mean mu, is missing"
                : Explains(t.Delta, NormGradient(layer, dy, m, mean: true, variance: false), right)
                ? "it is (dzhat - mean(dzhat)) / s: the - zhat mean(dzhat zhat) term, the gradient through the row's variance, is missing"
                : Explains(t.Delta, dy, right)
                ? "it is dJ/dy itself: the norm's backward is skipped"
                : "";
            Add(findings, l, site, LocalOperation.Normalization, norm.RelativeError, norm.Factor,
                $"{site}: layernorm backward dJ/dz[{l + 1}] = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s {Off(norm, why)}");
        }
        RuleOutcome gain = RuleComparison.Compare(t.NormGainGradient, f.Gain, g => f.Evaluate(gain: g), h, seed + 4000);
        if (!gain.Passed)
        {
            Add(findings, l, site, LocalOperation.NormGainGradient, gain.RelativeError, gain.Factor, $"{site}: norm gain gradient dJ/dgamma[{l + 1}] {Off(gain)}");
        }
        RuleOutcome shift = RuleComparison.Compare(t.NormBiasGradient, f.Shift, b => f.Evaluate(shift: b), h, seed + 5000);
        if (!shift.Passed)
        {
            Add(findings, l, site, LocalOperation.NormBiasGradient, shift.RelativeError, shift.Factor, $"{site}: norm bias gradient dJ/dbeta[{l + 1}] {Off(shift)}");
        }
    }

    /// <summary>dz = (dzhat - [mean(dzhat)] - [zhat mean(dzhat zhat)]) / s per row, dzhat = gamma dy, with either term left out on request.</summary>
    private static double[] NormGradient(DenseLayer layer, double[] dy, int m, bool mean, bool variance)
    {
        int n = layer.OutputSize;
        ReadOnlySpan<double> zhat = layer.Normalized;
        var dz = new double[m * n];
        var dzhat = new double[n];
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> row = zhat.Slice(i * n, n);
            TensorPrimitives.Multiply(dy.AsSpan(i * n, n), layer.NormGain, dzhat);
            double meanD = mean ? TensorPrimitives.Sum<double>(dzhat) / n : 0;
            double meanDZ = variance ? TensorPrimitives.Dot<double>(dzhat, row) / n : 0;
            for (int j = 0; j < n; j++)
            {
                dz[i * n + j] = (dzhat[j] - meanD - row[j] * meanDZ) * layer.InverseStd[i];
            }
        }
        return dz;
    }

    /// <summary>
    /// Where block b ends: the g its sum received is what the layer above passed down, and the sum alone,
    /// s(x_b, a_k) = sum g * out(x_b + alpha a_k) (out = phi after the sum in the post form, else the identity), has the
    /// skip's share as its gradient in x_b and the branch's in a_k.
    /// </summary>
    private static void CheckSplit(Mlp network, int b, double[] inputs, int m, BackwardTrace trace, double h, List<LocalFinding> findings)
    {
        ResidualBlock block = network.Blocks[b];
        BlockTrace bt = trace.Blocks[b];
        string site = Site(block, b);
        if (!RuleComparison.Same(bt.OutputGradient, SentDown(network, block.Last, trace)))
        {
            AddBlock(findings, b, site, double.NaN, null,
                $"{site}: the gradient its sum received is not the dJ/d(output) {(block.Last == network.Depth - 1 ? "the loss" : $"layer {block.Last + 2}")} passed down (the wiring between them is wrong)");
        }
        double[] xb = Input(network, block.First, inputs);
        double[] a = network.Layers[block.Last].Output.ToArray();
        ulong seed = 7000 + (ulong)b;
        RuleOutcome skip = RuleComparison.Compare(bt.SkipGradient, xb, x => SumScalar(block, x, a, bt.OutputGradient), h, seed);
        if (!skip.Passed)
        {
            AddBlock(findings, b, site, skip.RelativeError, skip.Factor, $"{site}: skip sum: the skip's share of g {(block.After is null ? "(g itself)" : "(g phi'(u))")} {Off(skip)}");
        }
        RuleOutcome branch = RuleComparison.Compare(bt.BranchGradient, a, y => SumScalar(block, xb, y, bt.OutputGradient), h, seed + 100);
        if (!branch.Passed)
        {
            AddBlock(findings, b, site, branch.RelativeError, branch.Factor, $"{site}: skip sum: the branch's share alpha {(block.After is null ? "g" : "g phi'(u)")} given to layer {block.Last + 1} {Off(branch)}");
        }
    }

    /// <summary>
    /// Where block b starts: two paths from J meet at x_b, the skip and the branch, so dJ/dx_b must be the branch's dJ/dx
    /// (the block's first layer's own) plus the skip's share. When it is not, the whole block is differenced in x_b,
    /// s(x_b) = sum g * block(x_b), for the size of the error.
    /// </summary>
    private static void CheckJoin(Mlp network, int b, double[] inputs, int m, BackwardTrace trace, double h, List<LocalFinding> findings)
    {
        ResidualBlock block = network.Blocks[b];
        BlockTrace bt = trace.Blocks[b];
        double[] own = trace.Layers[block.First].InputGradient;
        var right = new double[own.Length];
        if (bt.SkipGradient.Length != own.Length || bt.InputGradient.Length != own.Length)
        {
            return;
        }
        TensorPrimitives.Add(own, bt.SkipGradient, right);
        if (RuleComparison.Same(bt.InputGradient, right))
        {
            return;
        }
        double[] xb = Input(network, block.First, inputs);
        RuleOutcome whole = RuleComparison.Compare(bt.InputGradient, xb, x => (BlockScalar(network, block, x, m, bt.OutputGradient), []), h, 7500 + (ulong)b);
        string why = Explains(bt.InputGradient, own, right)
            ? "it is the branch's dJ/dx alone: the skip's share is not added where the skip and the branch meet (two paths from J meet at x_b, so their gradients add)"
            : Explains(bt.InputGradient, bt.SkipGradient, right)
            ? "it is the skip's share alone: the branch's dJ/dx is not added"
            : "it is not the branch's dJ/dx plus the skip's share";
        string site = Site(block, b);
        // What the block starts from: x, the output a of a plain layer, or h, the output of the block below.
        string what = block.First == 0 ? "dJ/dx" : network.BlockEndingAt(block.First - 1) is null ? $"dJ/da[{block.First}]" : $"dJ/dh[{block.First}]";
        AddBlock(findings, b, site, whole.Passed ? double.NaN : whole.RelativeError, whole.Factor, $"{site}: skip sum at the block's input: {what} passed down {Off(whole, why)}");
    }

    private static string Site(ResidualBlock block, int b) =>
        block.Count == 1 ? $"residual block {b + 1} (layer {block.First + 1})" : $"residual block {b + 1} (layers {block.First + 1} to {block.Last + 1})";

    private static void AddBlock(List<LocalFinding> findings, int b, string site, double relative, double? factor, string message) =>
        findings.Add(new LocalFinding(null, site, LocalOperation.SkipSum, relative, factor, message, b + 1));

    /// <summary>sum g * out(x_b + alpha a), with the sides of a kinked activation after the sum.</summary>
    private static (double Value, sbyte[] Sides) SumScalar(ResidualBlock block, double[] xb, double[] a, double[] g)
    {
        double s = 0;
        var u = new double[xb.Length];
        for (int i = 0; i < xb.Length; i++)
        {
            u[i] = xb[i] + block.Scale * a[i];
            s += g[i] * (block.After is Activation after ? after.Apply(u[i]) : u[i]);
        }
        if (block.After is not { HasKink: true } kinked)
        {
            return (s, []);
        }
        sbyte zero = KinkSides.ZeroSide(kinked);
        return (s, Array.ConvertAll(u, v => KinkSides.Side(v, zero)));
    }

    /// <summary>sum g * block(x_b): the block's layers, norms and sum at their current parameters.</summary>
    private static double BlockScalar(Mlp network, ResidualBlock block, double[] xb, int m, double[] g)
    {
        double[] hidden = xb;
        for (int l = block.First; l <= block.Last; l++)
        {
            DenseLayer layer = network.Layers[l];
            var z = new double[m * layer.OutputSize];
            Gemm.MultiplyTransposedB(hidden, layer.Weights, m, layer.InputSize, layer.OutputSize, z);
            Gemm.AddRowVector(z, layer.Biases, m, layer.OutputSize);
            if (layer.Norm != Normalization.None)
            {
                LayerFunction.Normalize(z, layer.NormGain, layer.NormBias, m, layer.OutputSize);
            }
            hidden = Array.ConvertAll(z, layer.Activation.Apply);
        }
        return SumScalar(block, xb, hidden, g).Value;
    }
}
