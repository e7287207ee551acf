namespace Backprop.Core.Checking;

/// <summary>
/// What one layer's backward rule received and produced in one backward pass, all batch-major: the gradient dJ/da
/// of its own output a = phi(y) it received (m x units), its error delta = dJ/dz (m x units), dJ/dW (units x inputs),
/// dJ/db (units) and its own dJ/dx = delta W (m x inputs). With a layernorm it also holds dJ/dy (m x units), the
/// gradient of the norm's output that the norm's backward turned into delta, and dJ/dgamma, dJ/dbeta (units each);
/// without one these three are empty. In a residual block the skip's share is not in <see cref="InputGradient"/>:
/// the block's <see cref="BlockTrace.InputGradient"/> holds the sum.
/// </summary>
public sealed record LayerTrace(
    double[] Upstream, double[] Delta, double[] WeightGradient, double[] BiasGradient, double[] InputGradient,
    double[] NormOutputGradient, double[] NormGainGradient, double[] NormBiasGradient)
{
    /// <summary>A layer without a norm.</summary>
    public LayerTrace(double[] upstream, double[] delta, double[] weightGradient, double[] biasGradient, double[] inputGradient)
        : this(upstream, delta, weightGradient, biasGradient, inputGradient, [], [], [])
    {
    }
}

/// <summary>
/// What the sum of one residual block did in a backward pass (all m x width): the gradient g = dJ/d(block output) it
/// received, the skip's share (g, or g phi'(u) in the post form) and the branch's (alpha times the skip's, given to the
/// block's last layer), and dJ/dx_b, the branch's dJ/dx plus the skip's share, passed to the layer below.
/// </summary>
public sealed record BlockTrace(double[] OutputGradient, double[] SkipGradient, double[] BranchGradient, double[] InputGradient);

/// <summary>
/// Everything a backward pass computed, kept per layer and per residual block so that each rule can be checked on its
/// own (localisation) and the end-to-end gradients read from one place. <see cref="Layers"/>[0] is layer 1;
/// <see cref="Blocks"/> follow the network's <see cref="Networks.Mlp.Blocks"/>.
/// </summary>
public sealed record BackwardTrace(double Loss, double[] OutputGradient, IReadOnlyList<LayerTrace> Layers, IReadOnlyList<BlockTrace> Blocks)
{
    /// <summary>A trace of a network without residual blocks.</summary>
    public BackwardTrace(double loss, double[] outputGradient, IReadOnlyList<LayerTrace> layers)
        : this(loss, outputGradient, layers, [])
    {
    }

    /// <summary>dJ/dx for the network's inputs, m x inputs (with a block starting at layer 1, that block's sum).</summary>
    public double[] InputGradient { get; init; } = Layers[0].InputGradient;
}
