using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// A way of computing a network's analytic gradients: the engine's own backward pass, or a deliberately
/// wrong one (<see cref="PlantedBugBackward"/>) for teaching and for testing the checker. The checker trusts
/// only the forward pass (the function) and checks whatever this returns against finite differences of it.
/// </summary>
public interface IBackwardPass
{
    /// <summary>A short description for reports, e.g. "engine" or "planted bug: ...".</summary>
    string Name { get; }

    /// <summary>Runs forward and backward on <paramref name="network"/> (whose buffers it may overwrite) for m examples.</summary>
    BackwardTrace Run(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss);
}
