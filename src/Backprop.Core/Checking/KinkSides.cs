using System.Runtime.CompilerServices;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// Which side of 0 every unit of a kinked layer (relu, leaky_relu, abs, elu with alpha != 1) is on after a forward
/// pass, as the sign of z (-1, 0 or +1): a finite difference whose two ends see different sides crossed a kink. Zero
/// is a side of its own because a unit exactly at z = 0 sits on the kink, on neither piece, so neither one-sided
/// difference is the slope of t's piece (abs'(0) = 0 is the slope of no piece). Shared by the probes.
/// </summary>
internal static class KinkSides
{
    /// <summary>The number of (example, unit) pairs of kinked layers for a batch of m.</summary>
    public static int Count(Mlp network, int m) => network.Layers.Where(l => l.Activation.HasKink).Sum(l => l.OutputSize) * m;

    /// <summary>Writes the side of every kinked unit of the last forward pass, layer by layer, into <paramref name="sides"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a pass over every unit, run a few times per fast check
    public static void Capture(Mlp network, Span<sbyte> sides)
    {
        int at = 0;
        foreach (DenseLayer layer in network.Layers)
        {
            if (layer.Activation.HasKink)
            {
                foreach (double z in layer.PreActivation)
                {
                    sides[at++] = Side(z);
                }
            }
        }
    }

    /// <summary>The sign of z as a side: +1 above the kink, -1 below, 0 on it (and for NaN, which Math.Sign rejects).</summary>
    public static sbyte Side(double z) => z > 0 ? (sbyte)1 : z < 0 ? (sbyte)-1 : (sbyte)0;

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
