using System.Text.Json.Serialization;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// What the back-propagated error did at initialisation, from r = |delta_1| / |delta_L| (<see cref="TrialSummary.DeltaRatioInit"/>,
/// about chi1^((L-1)/2) in mean-field theory): vanishing below <see cref="FlowRegimes.VanishBelow"/>, exploding above
/// <see cref="FlowRegimes.ExplodeAbove"/>, stable between. Stored as "vanishing", "stable" or "exploding".
/// </summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<FlowRegime>))]
public enum FlowRegime
{
    Vanishing,
    Stable,
    Exploding,
}

public static class FlowRegimes
{
    /// <summary>The error shrinks more than tenfold from the last hidden layer to the first.</summary>
    public const double VanishBelow = 0.1;

    /// <summary>The error grows more than tenfold from the last hidden layer to the first.</summary>
    public const double ExplodeAbove = 10;

    /// <summary>The regime of an error ratio; null when there is none (NaN: no finite measurement).</summary>
    public static FlowRegime? Of(double? deltaRatio) => deltaRatio switch
    {
        null or double.NaN => null,
        < VanishBelow => FlowRegime.Vanishing,
        > ExplodeAbove => FlowRegime.Exploding,
        _ => FlowRegime.Stable,
    };
}
