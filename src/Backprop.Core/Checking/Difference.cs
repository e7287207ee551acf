namespace Backprop.Core.Checking;

/// <summary>
/// A central difference with what is needed to judge it at a kink: whether the side of any kink changed between
/// t - h and t + h, and the one-sided differences (f(t + h) - f(t)) / h and (f(t) - f(t - h)) / h.
/// </summary>
public readonly record struct Difference(double Numeric, bool KinkCrossed, double Left, double Right)
{
    /// <summary>From f(t + h), f(t), f(t - h) and the steps actually taken (t + h and t - h are rounded).</summary>
    public static Difference From(double plus, double center, double minus, double stepUp, double stepDown, bool kinkCrossed) =>
        new((plus - minus) / (stepUp + stepDown), kinkCrossed, (center - minus) / stepDown, (plus - center) / stepUp);

    /// <summary>
    /// Judges an analytic value against this difference. Away from kinks: the bands, with differences below
    /// <paramref name="noiseFloor"/> not judged. Across a kink the central difference is no derivative; the
    /// analytic value is the slope of the piece t sits on, which each one-sided difference approaches on its
    /// side, so it must lie between them (with 1e-3 relative room for their O(h f'') truncation).
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
            return (relative, band, inside ? EntryVerdict.KinkCrossed : EntryVerdict.Fail);
        }
        if (Math.Abs(analytic - Numeric) <= noiseFloor)
        {
            return (relative, band, EntryVerdict.BelowNoise);
        }
        EntryVerdict verdict = band switch
        {
            GradCheckBand.Excellent or GradCheckBand.Fine => EntryVerdict.Pass,
            GradCheckBand.Suspicious => EntryVerdict.Suspicious,
            _ => EntryVerdict.Fail,
        };
        return (relative, band, verdict);
    }
}
