using System.Text.Json.Serialization;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// How a trial's training ended, stored as "ok", "diverged" or "failed". What the gradients did at initialisation is
/// a separate question (<see cref="FlowRegime"/>): a trial can train fine with a vanishing error and diverge with a
/// stable one.
/// </summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<Outcome>))]
public enum Outcome
{
    /// <summary>Trained every step without diverging.</summary>
    Ok,

    /// <summary>Training diverged (<see cref="Divergence"/>) at <see cref="TrialResult.DivergedAtStep"/> and stopped there.</summary>
    Diverged,

    /// <summary>The trial threw (a bug or a resource failure), see <see cref="TrialResult.Error"/>; retried by the runners.</summary>
    Failed,
}

/// <summary>
/// When training has diverged: the loss or a gradient is NaN or infinite, or the loss has grown in magnitude past
/// <see cref="GrowthFactor"/> times the loss at step 0 (|J_t| &gt; 1e6 |J_0|; not applied when J_0 = 0). The growth rule
/// catches runs whose loss never overflows: a tanh network driven into saturation by too large a step has a zero
/// gradient below its readout, so its loss can sit at 1e100 with every number finite.
/// </summary>
public static class Divergence
{
    public const double GrowthFactor = 1e6;

    /// <summary>True when <paramref name="loss"/> is not finite or is past the growth bound of <paramref name="initialLoss"/>.</summary>
    public static bool Diverged(double loss, double initialLoss) =>
        !double.IsFinite(loss) || (initialLoss != 0 && Math.Abs(loss) > GrowthFactor * Math.Abs(initialLoss));
}
