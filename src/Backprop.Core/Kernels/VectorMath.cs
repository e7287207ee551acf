using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<double>;

namespace Backprop.Core.Kernels;

/// <summary>
/// exp, expm1 and log1p on eight lanes, built only from correctly rounded operations (+, -, *, /, fused multiply-add,
/// round, compare and select, exponent bits), so each lane's result depends on that lane's input alone: the same on
/// any CPU, whether a lane is in the vector body, the padded tail of a span, or a single value broadcast to all lanes.
/// Vector512 is emulated on two Vector256 (or four Vector128) where AVX-512 is missing, with the same results.
/// The error bounds quoted are in ulp of the result; the activation tests measure them against a 256-bit reference.
/// </summary>
internal static class VectorMath
{
    // ln 2 = Ln2Hi + Ln2Lo to 2^-106: k Ln2Hi is subtracted exactly by one fused multiply-add (Cody and Waite 1980).
    private const double Ln2Hi = 0.6931471805599453;
    private const double Ln2Lo = 2.3190468138462996e-17;
    private const double Log2E = 1.4426950408889634;

    // 2^52 + 1023: adding an integer k in [-1022, 1023] leaves k + 1023 in the low mantissa bits.
    private const double ExponentBias = 4503599627371519.0;

    /// <summary>
    /// Splits exp(x + xLow) = 2^k (1 + q): k = round(x / ln 2), r = x - k ln 2 + xLow with |r| &lt;= ln2/2, and
    /// q = e^r - 1 from a polynomial. |x| &lt;= 1500 (callers
    /// clamp); xLow is the low part of an argument known to twice double precision (0 otherwise), so an argument of
    /// 700 that is exact to 2^-100 gives e^x to a fraction of an ulp. q is within 0.6 ulp of e^r - 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ExpReduced(V x, V xLow, out V k)
    {
        V r = Reduce(x, out k);
        return ExpM1Polynomial(r + xLow);
    }

    /// <summary><see cref="ExpReduced(V, V, out V)"/> for an argument that is a double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ExpReduced(V x, out V k) => ExpM1Polynomial(Reduce(x, out k));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Reduce(V x, out V k)
    {
        k = Vector512.Round(x * Log2E);
        // x - k Ln2Hi is exact: |x - k Ln2Hi| < 1/2 and both terms are multiples of 2^-54 wherever k != 0.
        V r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Hi), x);
        return Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Lo), r);
    }

    /// <summary>
    /// e^r - 1 for |r| &lt;= ln2/2 (plus a little) as r + r^2/2 + r^3 P(r): P of degree 8 fitted to (e^r - 1 - r - r^2/2)/r^3
    /// by least squares in relative error at 36 Chebyshev nodes, in 300-bit arithmetic (mpmath). Its relative error
    /// is below 2^-55 (the Taylor series needs degree 13 for that), so q is within 0.6 ulp of e^r - 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V ExpM1Polynomial(V r)
    {
        V t = Vector512.Create(2.502081650348591e-08);
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(2.7622493159320313e-07));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(2.7557503014132457e-06));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(2.4801515648241566e-05));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.00019841269624126592));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.001388888892109269));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.008333333333426373));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.04166666666661846));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.16666666666666546));
        t = Vector512.FusedMultiplyAdd(t, r, Vector512.Create(0.5));
        // q = r + r^2 (1/2 + r P(r)): r enters exactly, the rounded rest is below 0.21 |r|.
        return Vector512.FusedMultiplyAdd(t, r * r, r);
    }

    /// <summary>2^k for integer-valued k in [-1022, 1023], from its exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Pow2(V k) => Vector512.ShiftLeft((k + Vector512.Create(ExponentBias)).AsInt64(), 52).AsDouble();

    /// <summary>
    /// v 2^k rounded once (so correctly rounded into the subnormal range and to infinity), for integer-valued k of
    /// any size and |v| &lt; 8: one multiply when every lane's 2^k is a normal number, else two, the first exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Scale(V v, V k)
    {
        if (Vector512.GreaterThanOrEqualAll(k, Vector512.Create(-1022.0)) && Vector512.LessThanOrEqualAll(k, Vector512.Create(1023.0)))
        {
            return v * Pow2(k);
        }
        // Beyond +-2044 the result is 0 or infinite either way; halves within [-1022, 1023] keep v 2^k1 exact.
        k = Vector512.Min(Vector512.Max(k, Vector512.Create(-2044.0)), Vector512.Create(2046.0));
        V k1 = Vector512.Floor(k * 0.5);
        return v * Pow2(k1) * Pow2(k - k1);
    }

    /// <summary>
    /// e^x - 1 for x in [-45, 709] (callers clamp: below, it rounds to -1; above, it overflows), within 1 ulp:
    /// 2^k (1 + q) - 1 = 2^k q + (2^k - 1) with both terms exact for |k| &lt;= 53, so one rounding joins them (beyond,
    /// the 1 is below the rounding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ExpM1(V x)
    {
        V q = ExpReduced(x, out V k);
        V t = Pow2(k);
        return Vector512.FusedMultiplyAdd(t, q, t - V.One);
    }

    /// <summary>
    /// log(1 + u) for u in [0, 1], within 1 ulp (fdlibm's log1p scheme): u &gt;= 1/2 is written 2 (1 + f) with
    /// f = (u - 1)/2 exact, so log(1 + u) = j ln 2 + log(1 + f), |f| &lt; 1/2; then with s = f/(2 + f),
    /// log(1 + f) = 2 atanh s = f - (f^2/2 - s (f^2/2 + R)), R = sum_i 2 s^2i / (2i + 1) to i = 11.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V LogOnePlus(V u)
    {
        V upper = Vector512.GreaterThanOrEqual(u, Vector512.Create(0.5));
        V f = Vector512.ConditionalSelect(upper, (u - V.One) * 0.5, u);
        V j = upper & V.One;
        V s = f / (Vector512.Create(2.0) + f);
        V z = s * s;
        V r = Vector512.Create(2.0 / 23);
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 21));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 19));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 17));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 15));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 13));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 11));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 9));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 7));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 5));
        r = Vector512.FusedMultiplyAdd(r, z, Vector512.Create(2.0 / 3));
        r *= z;
        V halfSquare = 0.5 * f * f;
        V small = halfSquare - Vector512.FusedMultiplyAdd(s, halfSquare + r, j * Ln2Lo);
        return Vector512.FusedMultiplyAdd(j, Vector512.Create(Ln2Hi), f - small);
    }

    /// <summary>
    /// (nHi + nLo)/(dHi + dLo) for double-double numerator and denominator (|lo| below an ulp of hi, dHi in the
    /// normal range), within 0.5 ulp and a few 2^-100: one Newton correction of nHi/dHi. The remainder nHi - r dHi is
    /// exact for a faithful r (Boldo and Daumas 2003), and would be rounded only at 2^-105 relative otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Divide(V nHi, V nLo, V dHi, V dLo)
    {
        V inverse = V.One / dHi;
        V r = nHi * inverse;
        V remainder = Vector512.FusedMultiplyAdd(-r, dHi, nHi) + Vector512.FusedMultiplyAdd(-r, dLo, nLo);
        return Vector512.FusedMultiplyAdd(remainder, inverse, r);
    }

    /// <summary>a + b as hi + lo exactly (Knuth's TwoSum: either may be the larger).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V TwoSum(V a, V b, out V lo)
    {
        V hi = a + b;
        V bPart = hi - a;
        lo = (a - (hi - bPart)) + (b - bPart);
        return hi;
    }

    /// <summary>c (1 + q) as hi + lo exactly, for |q| &lt; 1/2: c - hi is exact (Sterbenz), so one fused multiply-add gives the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V TimesOnePlus(V c, V q, out V lo)
    {
        V hi = Vector512.FusedMultiplyAdd(c, q, c);
        lo = Vector512.FusedMultiplyAdd(c, q, c - hi);
        return hi;
    }
}
