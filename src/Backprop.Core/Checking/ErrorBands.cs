namespace Backprop.Core.Checking;

/// <summary>How close an analytic gradient is to its finite-difference estimate.</summary>
public enum GradCheckBand
{
    Excellent,
    Fine,
    Suspicious,
    Wrong,
}

/// <summary>
/// The relative-error bands and the noise floor. Where the numbers come from: the central difference
/// (f(t + h) - f(t - h)) / 2h has a truncation error h^2 |f'''| / 6 and a rounding error about eps |f| / h
/// (eps = 2.2e-16 in float64). With h = 1e-6 both are near 1e-12..1e-10 for f, f''' of order 1, so a correct
/// float64 gradient shows relative errors of 1e-10..1e-8: "excellent" (&lt;= 1e-7) leaves a decade of room,
/// "fine" (&lt;= 1e-5) covers ill-conditioned entries (large |f| or |f'''| against a small derivative), and
/// 1e-3 is PyTorch gradcheck's rtol, beyond which no rounding explains the gap ("wrong"). CS231n's rule of
/// thumb (below 1e-7 "happy", 1e-4..1e-2 "uncomfortable", above 1e-2 "probably wrong", 1e-4 tolerable only
/// with kinks) is looser at the top because it lets kinks through; ours treats kinks separately.
/// </summary>
public static class ErrorBands
{
    public const double Excellent = 1e-7;
    public const double Fine = 1e-5;
    public const double Suspicious = 1e-3;

    /// <summary>Keeps |a - n| / max(|a|, |n|) defined when both are exactly zero.</summary>
    public const double Tiny = 1e-300;

    /// <summary>
    /// Multiple of eps |J| / h below which a difference is rounding noise. The loss is a sum of many rounded
    /// terms, so its rounding error is some tens of eps |J|; 100 leaves room for deep networks.
    /// </summary>
    public const double NoiseMultiple = 100;

    /// <summary>The float64 machine epsilon 2^-52 (double.Epsilon is the smallest subnormal, not this).</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>The float32 machine epsilon 2^-23.</summary>
    public const double SingleEpsilon = 1.1920928955078125e-7;

    public static double RelativeError(double analytic, double numeric) =>
        Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), Tiny);

    public static GradCheckBand Classify(double relativeError) => relativeError switch
    {
        <= Excellent => GradCheckBand.Excellent,
        <= Fine => GradCheckBand.Fine,
        <= Suspicious => GradCheckBand.Suspicious,
        _ => GradCheckBand.Wrong, // also NaN
    };

    /// <summary>
    /// The absolute noise floor 100 eps max(|J|, 1) / h of a float64 central difference of a function of size J:
    /// near-zero gradients (a dead unit, a vanished early layer) have relative errors dominated by rounding, so a
    /// difference |a - n| below this is not judged. Always float64's eps: the check is tuned for float64.
    /// </summary>
    public static double NoiseFloor(double loss, double h) =>
        NoiseMultiple * MachineEpsilon * Math.Max(Math.Abs(loss), 1.0) / h;

    public static string Name(GradCheckBand band) => band.ToString().ToLowerInvariant();
}
