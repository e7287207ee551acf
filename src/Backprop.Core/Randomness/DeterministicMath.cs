namespace Backprop.Core.Randomness;

/// <summary>
/// Elementary functions computed with IEEE-754 +, -, *, / and sqrt only, so the result is the same
/// bit pattern on every machine and runtime. <see cref="Math.Log(double)"/> is delegated to the
/// platform's C library, whose last-ulp rounding differs between glibc, musl and the MSVC CRT; seeded
/// weight initialisation must not depend on that ("the same seed gives bit-identical weights on any machine").
/// RyuJIT never contracts a*b+c into a fused multiply-add on its own, so the operation order written
/// here is the order executed.
/// </summary>
public static class DeterministicMath
{
    // ln 2 split so that e * Ln2Hi is exact for |e| < 2^11 (Ln2Hi has 32 significant bits); fdlibm's constants.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>Natural logarithm of a positive finite <paramref name="x"/>, within a few ulp of the true value.</summary>
    public static double Log(double x)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "DeterministicMath.Log needs a positive finite argument.");
        }

        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
        int e = 0;
        if (x < double.Epsilon * (1L << 53))
        {
            x *= 18014398509481984.0; // 2^54: bring subnormals into the normal range
            e = -54;
        }
        long bits = BitConverter.DoubleToInt64Bits(x);
        e += (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > Sqrt2)
        {
            m *= 0.5;
            e += 1;
        }

        // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1)/(m + 1), |s| <= 0.1716, s^2 <= 0.0295:
        // 12 terms leave a truncation error below 0.0295^12 / 25 ~ 2e-20.
        double s = (m - 1.0) / (m + 1.0);
        double s2 = s * s;
        double series = 1.0 / 25.0;
        for (int k = 11; k >= 0; k--)
        {
            series = 1.0 / (2 * k + 1) + s2 * series;
        }
        double lnM = 2.0 * s * series;
        return e * Ln2Hi + (lnM + e * Ln2Lo);
    }

    /// <summary>e^x for finite <paramref name="x"/> in [-700, 700], within a few ulp of the true value.</summary>
    public static double Exp(double x)
    {
        if (!(x >= -700 && x <= 700))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "DeterministicMath.Exp takes arguments in [-700, 700].");
        }
        // x = k ln 2 + r with |r| <= ln2 / 2; e^x = 2^k e^r, e^r by its Taylor series (r^23 / 23! < 1e-25).
        int k = (int)Math.Round(x / 0.6931471805599453, MidpointRounding.ToEven);
        double r = (x - k * Ln2Hi) - k * Ln2Lo;
        double sum = 1.0;
        for (int n = 23; n >= 1; n--)
        {
            sum = 1.0 + r * sum / n;
        }
        return sum * BitConverter.Int64BitsToDouble((long)(k + 1023) << 52);
    }
}
