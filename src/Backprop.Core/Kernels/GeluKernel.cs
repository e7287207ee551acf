using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<double>;

namespace Backprop.Core.Kernels;

/// <summary>
/// GELU, tanh form: gelu(z) = 0.5 z (1 + tanh u) = z sigma(2u), u = c (z + a z^3), c = sqrt(2/pi), a = 0.044715, with
/// the real constants. With e = exp(-2|u|): gelu = z/(1 + e) for z &gt;= 0 and z e/(1 + e) for z &lt; 0, so the left
/// tail is a product, not 1 + tanh u = 1 - 0.99... For z &lt; -3 that tail is ill-conditioned (a relative change of
/// 2^-53 in u moves e by 2|u| 2^-53, up to 750 ulp), so 2u is formed in double-double and passed whole to exp.
/// Beyond |z| = 30 gelu is z or -0 and gelu' is 1 or -0, so the argument is capped there.
/// </summary>
internal readonly struct GeluKernel : IActivationKernel
{
    // 2c, a and 3a as double-double (high + low to 2^-106).
    private const double C2Hi = 1.5957691216057308, C2Lo = -9.96930880911092e-17;
    private const double AHi = 0.044715, ALo = 2.1960211427085595e-18;
    private const double A3Hi = 0.134145, A3Lo = 1.3526957332032908e-17;

    // The root of gelu' (the minimum of gelu) as a sum of three doubles, and the window around it where
    // gelu' = E B/(1 + E)^2, B = 1 + E - 2c|z|(1 + 3a z^2), loses bits to cancellation in B (E/|B| > 0.9).
    private const double RootHi = -0.7524614220710163, RootMid = 3.635560509207687e-17, RootLo = -2.5415595389660457e-33;
    private const double WindowLow = -0.92, WindowHigh = -0.58, WindowCentre = -0.75;

    /// <summary>Within 3 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z)
    {
        V zc = Vector512.Min(Vector512.Max(z, Vector512.Create(-30.0)), Vector512.Create(30.0));
        V q = Exponential(zc, out V k);
        V dHi = Logistic.OnePlusScaled(q, k, out V dLo);
        V negative = Vector512.LessThan(z, V.Zero);
        // z < 0: z (1 + q) 2^k/(1 + e), the 2^k last so a subnormal result is rounded once. Above the cap gelu is z.
        V nHi = VectorMath.TimesOnePlus(zc, q, out V nLo);
        nHi = Vector512.ConditionalSelect(negative, nHi, zc);
        V value = VectorMath.Scale(VectorMath.Divide(nHi, negative & nLo, dHi, dLo), negative & k);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(z, zc), z, value);
    }

    /// <summary>
    /// gelu' = sigma(2u) + 2 z c (1 + 3a z^2) sigma(2u) sigma(-2u), which with P = 2c|z|(1 + 3a z^2) is
    /// (1 + e (1 + P))/(1 + e)^2 for z &gt;= 0 and e B/(1 + e)^2, B = (1 - P) + e, for z &lt; 0. P and 1 - P are
    /// double-double, so B is exact but for the rounding of e; near the root of B a polynomial takes over. Within 3 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Derivative(V z)
    {
        V zc = Vector512.Min(Vector512.Max(z, Vector512.Create(-30.0)), Vector512.Create(30.0));
        V q = Exponential(zc, out V k);
        V scale = VectorMath.Pow2(Vector512.Max(k, Vector512.Create(-1022.0)));
        V e = VectorMath.TimesOnePlus(scale, q, out V eLo);
        V dHi = V.One + e, dLo = (e - (dHi - V.One)) + eLo;
        V sHi = dHi * dHi, sLo = Vector512.FusedMultiplyAdd(dHi, dHi, -sHi) + (dHi + dHi) * dLo;
        V negative = Vector512.LessThan(z, V.Zero);

        V y = Vector512.Abs(zc);
        V sh = y * y, sl = Vector512.FusedMultiplyAdd(y, y, -sh);
        V th = sh * A3Hi, tl = Vector512.FusedMultiplyAdd(sh, Vector512.Create(A3Hi), -th) + (sl * A3Hi + sh * A3Lo);
        V wh = VectorMath.TwoSum(V.One, th, out V wl);
        wl += tl;
        V mh = y * wh, ml = Vector512.FusedMultiplyAdd(y, wh, -mh) + y * wl;
        V ph = mh * C2Hi, pl = Vector512.FusedMultiplyAdd(mh, Vector512.Create(C2Hi), -ph) + (ml * C2Hi + mh * C2Lo);

        V right = Vector512.FusedMultiplyAdd(e, V.One + ph, V.One);
        V bh = VectorMath.TwoSum(V.One, -ph, out V bl);
        V b = bh + (e + (eLo + (bl - pl)));
        V leftHi = VectorMath.TimesOnePlus(b, q, out V leftLo);
        V nHi = Vector512.ConditionalSelect(negative, leftHi, right);
        V derivative = VectorMath.Scale(VectorMath.Divide(nHi, negative & leftLo, sHi, sLo), negative & k);

        V window = Vector512.GreaterThanOrEqual(z, Vector512.Create(WindowLow)) & Vector512.LessThanOrEqual(z, Vector512.Create(WindowHigh));
        if (Vector512.ExtractMostSignificantBits(window) != 0)
        {
            derivative = Vector512.ConditionalSelect(window, NearRoot(z), derivative);
        }
        return derivative;
    }

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => g * Derivative(z);

    /// <summary>
    /// gelu'(z) = (z - root) Q(z + 3/4) on [-0.92, -0.58]: Q is the degree-12 least-squares fit, in relative error, of
    /// gelu'(z)/(z - root) at 36 Chebyshev nodes, computed in 300-bit arithmetic (mpmath); its error is below 2^-60.
    /// z - RootHi is exact (Sterbenz), so the result has the relative accuracy of Q however close z is to the root.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V NearRoot(V z)
    {
        V w = z - Vector512.Create(WindowCentre);
        V t = Vector512.Create(-1.5596598310818124e-05);
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-3.486648567271655e-05));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.00012329657924862265));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.0002669542301874946));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-0.0009215615258757931));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-0.0024409363214637526));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.00521915869639419));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.019759698562258236));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-0.01637661913572319));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-0.11410691776915508));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(-0.016624851119394435));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.38743867758837774));
        t = Vector512.FusedMultiplyAdd(t, w, Vector512.Create(0.4313538401592927));
        V low = Vector512.FusedMultiplyAdd(Vector512.Create(RootLo), t, t * RootMid);
        return Vector512.FusedMultiplyAdd(z - Vector512.Create(RootHi), t, -low);
    }

    /// <summary>
    /// e^(-2|u|) = 2^k (1 + q), returning q. 2u = 2c z (1 + a z^2) is formed in double-double and passed whole to exp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Exponential(V zc, out V k)
    {
        V sh = zc * zc, sl = Vector512.FusedMultiplyAdd(zc, zc, -sh);
        V th = sh * AHi, tl = Vector512.FusedMultiplyAdd(sh, Vector512.Create(AHi), -th) + (sl * AHi + sh * ALo);
        V wh = VectorMath.TwoSum(V.One, th, out V wl);
        wl += tl;
        V mh = zc * wh, ml = Vector512.FusedMultiplyAdd(zc, wh, -mh) + zc * wl;
        V vh = mh * C2Hi, vl = Vector512.FusedMultiplyAdd(mh, Vector512.Create(C2Hi), -vh) + (ml * C2Hi + mh * C2Lo);
        // -|2u| as double-double: 2u has the sign of z.
        V negative = Vector512.LessThan(zc, V.Zero);
        return VectorMath.ExpReduced(-Vector512.Abs(vh), Vector512.ConditionalSelect(negative, vl, -vl), out k);
    }
}
