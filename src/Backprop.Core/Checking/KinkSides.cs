using System.Runtime.CompilerServices;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// Which side of 0 every unit of a kinked layer (relu, leaky_relu, abs, elu with alpha != 1) is on after a forward
/// pass: -1 below the kink, +1 above: a finite difference whose two ends see different sides crossed a kink. A unit
/// exactly at z = 0 is on the piece whose slope phi'(0) is (the left one for relu, leaky_relu and elu, whose
/// derivative at 0 is their left piece's), or on a side of its own, 0, when phi'(0) is the slope of neither piece
/// (abs'(0) = 0): then neither one-sided difference is t's own. Shared by the probes.
/// </summary>
internal static class KinkSides
{
    /// <summary>
    /// The number of (example, unit) pairs of kinked layers for a batch of m, and of post-form residual sums whose
    /// activation after the sum is kinked.
    /// </summary>
    public static int Count(Mlp network, int m) =>
        (network.Layers.Where(l => l.Activation.HasKink).Sum(l => l.OutputSize)
        + network.Blocks.Where(b => b.After is { HasKink: true }).Sum(b => network.Layers[b.Last].OutputSize)) * m;

    /// <summary>Writes the side of every kinked unit of the last forward pass, layer by layer, into <paramref name="sides"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a pass over every unit, run a few times per fast check
    public static void Capture(Mlp network, Span<sbyte> sides)
    {
        int at = 0;
        foreach (DenseLayer layer in network.Layers)
        {
            if (layer.Activation.HasKink)
            {
                sbyte zero = ZeroSide(layer.Activation);
                foreach (double z in layer.PreActivation)
                {
                    sides[at++] = Side(z, zero);
                }
            }
        }
        foreach (ResidualBlock block in network.Blocks)
        {
            if (block.After is { HasKink: true } after)
            {
                sbyte zero = ZeroSide(after);
                foreach (double u in network.BlockSum(block.Last))
                {
                    sides[at++] = Side(u, zero);
                }
            }
        }
    }

    /// <summary>The side of a unit at z: +1 above the kink, -1 below, <paramref name="zero"/> on it (and for NaN).</summary>
    public static sbyte Side(double z, sbyte zero) => z > 0 ? (sbyte)1 : z < 0 ? (sbyte)-1 : zero;

    /// <summary>
    /// The side z = 0 is on: the piece whose slope the derivative at 0 is, found by comparing phi'(0) with phi' at
    /// the nearest doubles either side; 0 when it is neither's.
    /// </summary>
    public static sbyte ZeroSide(Activation phi)
    {
        double slope = phi.Derivative(0);
        return slope == phi.Derivative(-double.Epsilon) ? (sbyte)-1 : slope == phi.Derivative(double.Epsilon) ? (sbyte)1 : (sbyte)0;
    }

    /// <summary>
    /// J at the network's current values for m examples, in the given precision; the kink sides are left in the
    /// network's pre-activations (float32 evaluation runs a float64 forward for them when there are kinks).
    /// </summary>
    public static double Loss(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss, Precision precision, bool kinked)
    {
        if (precision == Precision.Double)
        {
            return network.ComputeLoss(inputs, targets, m, loss);
        }
        if (kinked)
        {
            network.Forward(inputs, m); // for the kink sides only
        }
        return SinglePrecisionLoss.Compute(network, inputs, targets, m, loss);
    }
}
