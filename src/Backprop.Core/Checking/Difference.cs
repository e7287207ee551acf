namespace Backprop.Core.Checking;

/// <summary>Which one-sided difference lies on the same smooth piece as t, when a kink was crossed.</summary>
public enum KinkSide
{
    /// <summary>No kink crossed.</summary>
    None,

    /// <summary>The kink lies in (t, t + h): t's piece reaches t - h, so (f(t) - f(t - h)) / h is its slope.</summary>
    Left,

    /// <summary>The kink lies in (t - h, t): (f(t + h) - f(t)) / h is the slope of t's piece.</summary>
    Right,

    /// <summary>Kinks on both sides of t, or a unit at t on a kink on neither piece: only the bracket between the one-sided differences is known.</summary>
    Both,
}

/// <summary>
/// A central difference with what is needed to judge it at a kink: whether the side of any kink changed between
/// t - h and t + h, on which side of t, and the one-sided differences (f(t) - f(t - h)) / h and (f(t + h) - f(t)) / h.
/// </summary>
public readonly record struct Difference(double Numeric, KinkSide Kink, double Left, double Right)
{
    public bool KinkCrossed => Kink != KinkSide.None;

    /// <summary>
    /// From f(t + h), f(t), f(t - h), the steps actually taken (t + h and t - h are rounded) and the kink sides
    /// (see <see cref="KinkSides"/>) at the three points. A unit at t exactly on a kink whose derivative there is
    /// neither piece's slope (abs at 0) matches neither end, so the crossing is <see cref="KinkSide.Both"/>: t is on no
    /// piece, and only the bracket is known.
    /// </summary>
    public static Difference From(double plus, double center, double minus, double stepUp, double stepDown,
        ReadOnlySpan<sbyte> sidesPlus, ReadOnlySpan<sbyte> sidesCenter, ReadOnlySpan<sbyte> sidesMinus)
    {
        KinkSide kink = sidesPlus.SequenceEqual(sidesMinus) ? KinkSide.None
            : sidesCenter.SequenceEqual(sidesPlus) ? KinkSide.Right
            : sidesCenter.SequenceEqual(sidesMinus) ? KinkSide.Left
            : KinkSide.Both;
        return new((plus - minus) / (stepUp + stepDown), kink, (center - minus) / stepDown, (plus - center) / stepUp);
    }

    /// <summary>
    /// Judges an analytic value against this difference. Away from kinks: the bands, with differences below
    /// <paramref name="noiseFloor"/> not judged. Across a kink the central difference is no derivative; the
    /// analytic value is the slope of the piece t sits on, so it must lie between the one-sided differences, and
    /// where the kink sides show which of them lies on t's piece, it must match that one to 1e-2 (room for its
    /// O(h f'') truncation; a real bug is off by far more). The bracket alone is weak when the two slopes differ
    /// a lot, which is common along a random direction that moves every unit.
    /// </summary>
    public (double RelativeError, GradCheckBand Band, EntryVerdict Verdict) Judge(double analytic, double noiseFloor)
    {
        double relative = ErrorBands.RelativeError(analytic, Numeric);
        GradCheckBand band = ErrorBands.Classify(relative);
        if (KinkCrossed)
        {
            double low = Math.Min(Left, Right);
            double high = Math.Max(Left, Right);
            double room = 1e-3 * Math.Max(Math.Max(Math.Abs(Left), Math.Abs(Right)), Math.Abs(analytic)) + 10 * noiseFloor;
            bool inside = analytic >= low - room && analytic <= high + room;
            if (Kink is KinkSide.Left or KinkSide.Right)
            {
                double own = Kink == KinkSide.Left ? Left : Right;
                inside &= Math.Abs(analytic - own) <= 1e-2 * Math.Max(Math.Abs(analytic), Math.Abs(own)) + 10 * noiseFloor;
            }
            return (relative, band, inside ? EntryVerdict.KinkCrossed : EntryVerdict.Fail);
        }
        // The floor only rescues entries the bands would flag: near-zero gradients whose relative error is rounding.
        EntryVerdict verdict = band switch
        {
            GradCheckBand.Excellent or GradCheckBand.Fine => EntryVerdict.Pass,
            _ when Math.Abs(analytic - Numeric) <= noiseFloor => EntryVerdict.BelowNoise,
            GradCheckBand.Suspicious => EntryVerdict.Suspicious,
            _ => EntryVerdict.Fail,
        };
        return (relative, band, verdict);
    }
}
