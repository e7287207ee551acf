namespace Backprop.Core.Theory;

/// <summary>How the length map q -> V(q) behaves next to one of its fixed points.</summary>
public enum FixedPointStability
{
    /// <summary>q on either side moves towards it (V(q) - q changes sign from + to -).</summary>
    Stable,

    /// <summary>q on either side moves away from it (V(q) - q changes sign from - to +).</summary>
    Unstable,

    /// <summary>The map is the identity (a homogeneous phi at sigma_w^2 c = 1 without bias): every q stays where it starts.</summary>
    Neutral,
}

/// <summary>
/// A fixed point q = V(q) of the length map V(q) = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2, or q = +infinity when q grows
/// without bound from some start (listed only then).
/// </summary>
/// <param name="Q">The fixed point; +infinity for divergence.</param>
/// <param name="Stability">Whether nearby q move towards it or away.</param>
/// <param name="Slope">V'(q): the factor by which a small distance from q shrinks (below 1) or grows per layer; for
/// +infinity the factor by which q itself grows per layer as q -> infinity (1: slower than geometrically).</param>
/// <param name="Chi1">chi1 = sigma_w^2 E[phi'(sqrt(q) z)^2] there (its limit at 0 and at +infinity).</param>
public sealed record VarianceFixedPoint(double Q, FixedPointStability Stability, double Slope, double Chi1)
{
    public bool IsInfinite => double.IsPositiveInfinity(Q);
}
