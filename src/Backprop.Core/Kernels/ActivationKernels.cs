using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<double>;

namespace Backprop.Core.Kernels;

/// <summary>
/// One activation on eight lanes: phi(z), phi'(z) (at kinks PyTorch's one-sided values), both together where they
/// share work, and the backward factor delta = g phi'(z). Every lane is computed from its own input by the same
/// operations, so <see cref="ActivationSpans"/> and the scalar <c>Activation.Apply</c>/<c>Derivative</c> (one value
/// broadcast) agree bit for bit. <see cref="Value(V, out V)"/> returns bit for bit <see cref="Value(V)"/> and
/// <see cref="Derivative"/>. The smooth kinds' Backward is g * Derivative(z); the piecewise-linear kinds select g, -g,
/// slope g or 0, so an infinite g gives 0, not NaN, where phi' is 0 (PyTorch's threshold_backward).
/// </summary>
internal interface IActivationKernel
{
    V Value(V z);

    V Derivative(V z);

    V Value(V z, out V derivative);

    V Backward(V z, V g);
}

internal readonly struct IdentityKernel : IActivationKernel
{
    public V Value(V z) => z;

    public V Derivative(V z) => V.One;

    public V Value(V z, out V derivative)
    {
        derivative = V.One;
        return z;
    }

    public V Backward(V z, V g) => g;
}

internal readonly struct TanhKernel : IActivationKernel
{
    // Above 354, 2|z| would take expm1 past 2^1023; tanh rounds to +-1 from 19.1 on, and tanh' comes from exp(-2|z|).
    private const double Cap = 354;

    /// <summary>
    /// tanh|z| = e r with e = expm1(2|z|) and r = 1/(e + 2): relatively accurate at every magnitude, since e is
    /// 2|z| (1 + |z| + ...) without forming 1 + tiny - 1. One division serves tanh and tanh'. expm1's error and three
    /// roundings: within 3 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z) => Value(z, out _, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Derivative(V z)
    {
        Value(z, out V derivative);
        return derivative;
    }

    /// <summary>
    /// With s = 1 - tanh|z| = 2r, tanh' = (1 - t)(1 + t) = s (2 - s): no 1 - a^2 cancellation where |a| nears 1, and no
    /// second exp. Within 2 ulp. Past the cap, tanh' = 4 e'/(1 + e')^2 with e' = exp(-2|z|).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z, out V derivative)
    {
        V t = Value(z, out V r, out V y);
        // s (2 - s) = 4 r (1 - r), the factor 4 exact.
        derivative = Vector512.FusedMultiplyAdd(-r, r, r) * 4.0;
        if (Vector512.GreaterThanAny(y, Vector512.Create(Cap)))
        {
            derivative = Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512.Create(Cap)), Logistic.Derivative(-(y + y), 2.0), derivative);
        }
        return t;
    }

    public V Backward(V z, V g) => g * Derivative(z);

    /// <summary>tanh z, with r = 1/(e + 2) = (1 - tanh|z|)/2 and y = |z|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Value(V z, out V r, out V y)
    {
        y = Vector512.Abs(z);
        V x = Vector512.Min(y, Vector512.Create(Cap));
        V e = VectorMath.ExpM1(x + x);
        r = V.One / (e + Vector512.Create(2.0));
        return Vector512.CopySign(e * r, z);
    }
}

internal readonly struct SigmoidKernel : IActivationKernel
{
    /// <summary>
    /// sigma(z) = 1/(1 + e) for z &gt;= 0 and e/(1 + e) for z &lt; 0, e = exp(-|z|) (never overflows); for z &lt; 0 the
    /// factor 2^k of e is applied last so a subnormal result is rounded once. 1 + e and e are double-doubles, so the
    /// result is within half an ulp of the quotient of exp's e: about 1 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z)
    {
        V dHi = Logistic.OnePlusExp(-Vector512.Abs(z), out V k, out V q, out V dLo);
        V negative = Vector512.LessThan(z, V.Zero);
        V pHi = VectorMath.TimesOnePlus(V.One, q, out V pLo);
        V nHi = Vector512.ConditionalSelect(negative, pHi, V.One), nLo = negative & pLo;
        return VectorMath.Scale(VectorMath.Divide(nHi, nLo, dHi, dLo), negative & k);
    }

    /// <summary>sigma' = sigma (1 - sigma) = e/(1 + e)^2, e = exp(-|z|): no 1 - sigma cancellation for large z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Derivative(V z) => Logistic.Derivative(-Vector512.Abs(z), 0.0);

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => g * Derivative(z);
}

internal readonly struct SoftplusKernel : IActivationKernel
{
    /// <summary>
    /// log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow for large z, and for very negative z the result is
    /// e^z itself (rounded once, subnormal included), not 1 + e^z - 1. Within 2 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z)
    {
        V x = Vector512.Max(-Vector512.Abs(z), Vector512.Create(-1500.0));
        V q = VectorMath.ExpReduced(x, out V k);
        return Vector512.Max(z, V.Zero) + VectorMath.LogOnePlus(VectorMath.Scale(V.One + q, k));
    }

    /// <summary>softplus' = sigma.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Derivative(V z) => default(SigmoidKernel).Value(z);

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => g * Derivative(z);
}

/// <summary>elu(z) = z for z &gt; 0, alpha (e^z - 1) otherwise; elu' = 1, alpha e^z.</summary>
internal readonly struct EluKernel(double alpha) : IActivationKernel
{
    // alpha = mantissa 2^exponent, so alpha e^z = (mantissa p) 2^(k + exponent) rounds once even when it is subnormal.
    private readonly double _mantissa = alpha == 0 ? 0 : Math.ScaleB(alpha, -Math.ILogB(alpha));
    private readonly double _exponent = alpha == 0 ? 0 : Math.ILogB(alpha);

    /// <summary>alpha expm1(z): expm1 keeps relative accuracy for small |z| where e^z - 1 would cancel; within 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Value(V z)
    {
        V m = VectorMath.ExpM1(Vector512.Min(Vector512.Max(z, Vector512.Create(-45.0)), V.Zero));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(z, V.Zero), z, alpha * m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V Derivative(V z)
    {
        V x = Vector512.Min(Vector512.Max(z, Vector512.Create(-1500.0)), V.Zero);
        V q = VectorMath.ExpReduced(x, out V k);
        V mantissa = Vector512.Create(_mantissa);
        V left = VectorMath.Scale(Vector512.FusedMultiplyAdd(q, mantissa, mantissa), k + Vector512.Create(_exponent));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(z, V.Zero), V.One, left);
    }

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => g * Derivative(z);
}

internal readonly struct ReluKernel : IActivationKernel
{
    /// <summary>max(z, 0): NaN stays NaN.</summary>
    public V Value(V z) => Vector512.Max(z, V.Zero);

    public V Derivative(V z) => Vector512.GreaterThan(z, V.Zero) & V.One;

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => Vector512.GreaterThan(z, V.Zero) & g;
}

internal readonly struct LeakyReluKernel(double slope) : IActivationKernel
{
    public V Value(V z) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, V.Zero), z, slope * z);

    public V Derivative(V z) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, V.Zero), V.One, Vector512.Create(slope));

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, V.Zero), g, slope * g);
}

internal readonly struct AbsKernel : IActivationKernel
{
    public V Value(V z) => Vector512.Abs(z);

    public V Derivative(V z) => Backward(z, V.One);

    public V Value(V z, out V derivative)
    {
        derivative = Derivative(z);
        return Value(z);
    }

    public V Backward(V z, V g) =>
        (Vector512.GreaterThan(z, V.Zero) & g) | (Vector512.LessThan(z, V.Zero) & -g);
}

/// <summary>The logistic function's pieces shared by sigmoid, sigmoid', tanh' and softplus' (tanh z = 2 sigma(2z) - 1).</summary>
internal static class Logistic
{
    /// <summary>
    /// 2^f e/(1 + e)^2 with e = exp(x), x &lt;= 0 (sigma'(z) is this with x = -|z|, f = 0; tanh'(z) with x = -2|z|, f = 2).
    /// (1 + e)^2 is a double-double and the 2^k of e is applied after the division, so where e is subnormal the result
    /// is still rounded once: within exp's error and half an ulp, about 1.5 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Derivative(V x, double f)
    {
        V dHi = OnePlusExp(x, out V k, out V q, out V dLo);
        V sHi = dHi * dHi;
        V sLo = Vector512.FusedMultiplyAdd(dHi, dHi, -sHi) + (dHi + dHi) * dLo;
        V nHi = VectorMath.TimesOnePlus(V.One, q, out V nLo);
        return VectorMath.Scale(VectorMath.Divide(nHi, nLo, sHi, sLo), k + Vector512.Create(f));
    }

    /// <summary>
    /// 1 + e as hi + lo (returns hi), e = exp(x) = 2^k (1 + q) for x &lt;= 0 (clamped at -1500, where e is 0 to any
    /// precision). Below 2^-1022 the scale is capped: e no longer changes 1 + e there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V OnePlusExp(V x, out V k, out V q, out V lo)
    {
        q = VectorMath.ExpReduced(Vector512.Max(x, Vector512.Create(-1500.0)), out k);
        return OnePlusScaled(q, k, out lo);
    }

    /// <summary>1 + 2^k (1 + q) as hi + lo (returns hi) for 2^k (1 + q) &lt;= 1, exact but for 2^-106 relative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V OnePlusScaled(V q, V k, out V lo)
    {
        V scale = VectorMath.Pow2(Vector512.Max(k, Vector512.Create(-1022.0)));
        V eHi = VectorMath.TimesOnePlus(scale, q, out V eLo);
        V hi = V.One + eHi;
        lo = (eHi - (hi - V.One)) + eLo;
        return hi;
    }
}
