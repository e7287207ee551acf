using System.Numerics;

namespace Backprop.Core.Tests.Support;

/// <summary>
/// A binary floating-point number m 2^e whose integer mantissa is rounded to 256 bits (to nearest, ties to even)
/// after every operation, with an unbounded exponent: the independent, slow reference the double kernels are measured
/// against. Built on BigInteger alone: no elementary function of System.Math is used.
/// </summary>
internal readonly struct BigFloat : IComparable<BigFloat>
{
    public const int Bits = 256;

    private BigFloat(BigInteger mantissa, long exponent)
    {
        Mantissa = mantissa;
        Exponent = exponent;
    }

    public BigInteger Mantissa { get; }

    public long Exponent { get; }

    public static BigFloat Zero => default;

    public static BigFloat One => new(BigInteger.One, 0);

    public bool IsZero => Mantissa.IsZero;

    public int Sign => Mantissa.Sign;

    /// <summary>floor(log2 |x|) for x != 0.</summary>
    public long Log2 => Exponent + (long)BigInteger.Abs(Mantissa).GetBitLength() - 1;

    public static BigFloat FromDouble(double x)
    {
        if (!double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "only finite values have an exact value");
        }
        long bits = BitConverter.DoubleToInt64Bits(x);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        long exponent = (biased == 0 ? 1 : biased) - 1075;
        return Round(bits < 0 ? -mantissa : mantissa, exponent);
    }

    public static BigFloat FromInteger(BigInteger n) => Round(n, 0);

    /// <summary>n / d for integers, rounded once.</summary>
    public static BigFloat Ratio(BigInteger n, BigInteger d) => FromInteger(n) / FromInteger(d);

    public static BigFloat PowerOfTwo(long k) => new(BigInteger.One, k);

    public BigFloat ScaleB(long k) => new(Mantissa, Exponent + k);

    public static BigFloat operator -(BigFloat x) => new(-x.Mantissa, x.Exponent);

    public static BigFloat operator +(BigFloat x, BigFloat y)
    {
        if (x.IsZero)
        {
            return y;
        }
        if (y.IsZero)
        {
            return x;
        }
        long e = Math.Min(x.Exponent, y.Exponent);
        return Round((x.Mantissa << (int)(x.Exponent - e)) + (y.Mantissa << (int)(y.Exponent - e)), e);
    }

    public static BigFloat operator -(BigFloat x, BigFloat y) => x + -y;

    public static BigFloat operator *(BigFloat x, BigFloat y) => Round(x.Mantissa * y.Mantissa, x.Exponent + y.Exponent);

    public static BigFloat operator /(BigFloat x, BigFloat y)
    {
        if (y.IsZero)
        {
            throw new DivideByZeroException();
        }
        // A quotient of at least Bits + 2 bits, and a sticky bit for a non-zero remainder, round as the exact ratio would.
        long shift = Bits + 2 + (long)BigInteger.Abs(y.Mantissa).GetBitLength() - (long)BigInteger.Abs(x.Mantissa).GetBitLength();
        shift = Math.Max(shift, 0);
        BigInteger q = BigInteger.DivRem(x.Mantissa << (int)shift, y.Mantissa, out BigInteger r);
        q = 2 * q + r.Sign * y.Mantissa.Sign;
        return Round(q, x.Exponent - y.Exponent - shift - 1);
    }

    public static bool operator <(BigFloat x, BigFloat y) => x.CompareTo(y) < 0;

    public static bool operator >(BigFloat x, BigFloat y) => x.CompareTo(y) > 0;

    public int CompareTo(BigFloat other) => (this - other).Sign;

    public BigFloat Abs() => new(BigInteger.Abs(Mantissa), Exponent);

    /// <summary>The nearest double (ties to even), subnormals included; beyond the largest double, infinity.</summary>
    public double ToDouble()
    {
        if (IsZero)
        {
            return 0.0;
        }
        long quantum = Math.Max(Log2, -1022) - 52;
        if (quantum > 1023 - 52)
        {
            return Sign * double.PositiveInfinity;
        }
        BigInteger n = RoundedShift(Mantissa, quantum - Exponent);
        return Math.ScaleB((double)n, (int)quantum);
    }

    /// <summary>|x - exact| in units of the last place of doubles at exact (2^-1074 below the normal range).</summary>
    public static double UlpError(double x, BigFloat exact)
    {
        if (!double.IsFinite(x))
        {
            return double.PositiveInfinity;
        }
        if (exact.IsZero)
        {
            return x == 0 ? 0 : double.PositiveInfinity;
        }
        long quantum = Math.Max(exact.Log2, -1022) - 52;
        return (FromDouble(x) - exact).Abs().ScaleB(-quantum).ToDouble();
    }

    public override string ToString() => ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static BigFloat Round(BigInteger m, long e)
    {
        long excess = (long)BigInteger.Abs(m).GetBitLength() - Bits;
        if (excess <= 0)
        {
            return new BigFloat(m, e);
        }
        // Rounding up may carry into one more bit; the extra trailing zero does not change the value.
        return new BigFloat(RoundedShift(m, excess), e + excess);
    }

    /// <summary>m / 2^s rounded to the nearest integer, ties to even (s &lt;= 0 shifts left exactly).</summary>
    private static BigInteger RoundedShift(BigInteger m, long s)
    {
        if (s <= 0)
        {
            return m << (int)-s;
        }
        BigInteger magnitude = BigInteger.Abs(m);
        BigInteger q = magnitude >> (int)s;
        BigInteger remainder = magnitude - (q << (int)s);
        BigInteger half = BigInteger.One << (int)(s - 1);
        if (remainder > half || (remainder == half && !q.IsEven))
        {
            q += 1;
        }
        return m.Sign < 0 ? -q : q;
    }
}
