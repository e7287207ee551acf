namespace Backprop.Core.Checking;

/// <summary>
/// What one layer's backward rule received and produced in one backward pass, all batch-major:
/// the gradient dJ/da passed down to it (m x units), its error delta = dJ/dz (m x units), dJ/dW (units x inputs),
/// dJ/db (units) and the dJ/dx it passed further down (m x inputs).
/// </summary>
public sealed record LayerTrace(double[] Upstream, double[] Delta, double[] WeightGradient, double[] BiasGradient, double[] InputGradient);

/// <summary>
/// Everything a backward pass computed, kept per layer so that each layer's rule can be checked on its own
/// (localisation) and the end-to-end gradients read from one place. <see cref="Layers"/>[0] is layer 1.
/// </summary>
public sealed record BackwardTrace(double Loss, double[] OutputGradient, IReadOnlyList<LayerTrace> Layers)
{
    /// <summary>dJ/dx for the network's inputs, m x inputs.</summary>
    public double[] InputGradient => Layers[0].InputGradient;
}
