using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// Mean-field signal propagation in wide random networks, weights ~ N(0, sigma_w^2/N), biases ~ N(0, sigma_b^2)
/// (sw2 = sigma_w^2, sb2 = sigma_b^2 below). The length map of Poole et al. 2016 (arXiv:1606.05340),
/// q^l = sw2 E[phi(sqrt(q^(l-1)) z)^2] + sb2 with z ~ N(0,1), its fixed point q*, and
/// chi1 = sw2 E[phi'(sqrt(q) z)^2], the per-layer factor of E||delta_l||^2 in backpropagation
/// (Schoenholz et al. 2017, arXiv:1611.01232). Expectations are by <see cref="GaussianExpectation"/>; identity,
/// relu, leaky_relu and abs use their exact closed forms (E[phi(sqrt(q) z)^2] = c q and E[phi'^2] = c with
/// c = (1 + s^2)/2, s the negative-side slope: 1 for identity, 0 for relu, -1 for abs, whose E[|sqrt(q) z|^2] = q and
/// |phi'| = 1 make it a linear network's twin: chi1 = sw2).
/// </summary>
public static class MeanField
{
    /// <summary>sw2 E[phi(sqrt(q) z)^2] + sb2: the variance of the next layer's pre-activations (the length map).</summary>
    public static double VarianceMap(Activation phi, double sw2, double sb2, double q)
    {
        CheckVariances(sw2, sb2);
        ArgumentOutOfRangeException.ThrowIfNegative(q);
        return sw2 * GaussianExpectation.Of(u => Square(phi.Apply(u)), Math.Sqrt(q)) + sb2;
    }

    /// <summary>
    /// chi1 = sw2 E[phi'(sqrt(q) z)^2] at variance q. At q = 0 it is the limit q -> 0+ (for relu sw2/2, not relu'(0) = 0);
    /// at q = +infinity the limit sw2 (phi'(+inf)^2 + phi'(-inf)^2)/2.
    /// </summary>
    public static double Chi1At(Activation phi, double sw2, double q)
    {
        CheckVariances(sw2, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(q);
        if (HomogeneousGain(phi) is double c)
        {
            return sw2 * c;
        }
        if (double.IsPositiveInfinity(q))
        {
            // Far enough out that every supported phi' has reached its limit, near enough that gelu's z^3 cannot overflow.
            const double far = 1e50;
            return sw2 * 0.5 * (Square(phi.Derivative(far)) + Square(phi.Derivative(-far)));
        }
        return sw2 * GaussianExpectation.Of(u => Square(phi.Derivative(u)), Math.Sqrt(q));
    }

    /// <summary>q^1 .. q^depth under the length map, from q^1 (for networks whose q has not yet settled).</summary>
    public static IReadOnlyList<double> QTrajectory(Activation phi, double sw2, double sb2, double q1, int depth)
    {
        CheckVariances(sw2, sb2);
        ArgumentOutOfRangeException.ThrowIfNegative(q1);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        var q = new double[depth];
        for (int l = 0; l < depth; l++)
        {
            q[l] = l == 0 ? q1 : double.IsPositiveInfinity(q[l - 1]) ? double.PositiveInfinity : VarianceMap(phi, sw2, sb2, q[l - 1]);
        }
        return q;
    }

    /// <summary>q*, chi1 at q*, and what follows from them (<see cref="MeanFieldPrediction"/>).</summary>
    public static MeanFieldPrediction Predict(Activation phi, double sw2, double sb2)
    {
        double q = FixedPoint(phi, sw2, sb2);
        return new MeanFieldPrediction(phi, sw2, sb2, q, Chi1At(phi, sw2, q));
    }

    /// <summary>
    /// The fixed point q* = sw2 E[phi(sqrt(q*) z)^2] + sb2 that the length map reaches from small q (the smallest one;
    /// for tanh, sigmoid and the other concave-map activations the only one), or +infinity when q grows without bound
    /// (relu with sw2 &gt; 2 or linear with sw2 &gt;= 1 and sb2 &gt; 0, for example).
    /// </summary>
    /// <remarks>
    /// Iterating the map converges only like 1/t at criticality (tanh, sw2 = 1, sb2 = 0), so instead: q* = 0 when it is a
    /// fixed point (sb2 = 0, phi(0) = 0) that attracts small q (sw2 phi'(0)^2 &lt; 1, or = 1 with the map below the
    /// diagonal); otherwise g(q) = sw2 E[phi(sqrt(q) z)^2] + sb2 - q is positive just above 0, so scan up geometrically
    /// (from sb2 + sw2 phi(0)^2, or from 1e-4) for the first q with g(q) &lt;= 0 and bisect that bracket down to adjacent
    /// doubles.
    /// </remarks>
    public static double FixedPoint(Activation phi, double sw2, double sb2)
    {
        CheckVariances(sw2, sb2);
        if (HomogeneousGain(phi) is double c)
        {
            // q* = c sw2 q* + sb2; at c sw2 = 1 and sb2 = 0 every q is fixed (the map is the identity) and 0 is reported.
            return c * sw2 < 1 ? sb2 / (1 - c * sw2) : sb2 == 0 && c * sw2 == 1 ? 0.0 : double.PositiveInfinity;
        }
        double g(double q) => VarianceMap(phi, sw2, sb2, q) - q;
        double v0 = sw2 * Square(phi.Apply(0.0)) + sb2;
        double lo, hi;
        if (v0 > 0)
        {
            lo = 0;
            hi = v0;
        }
        else
        {
            double slope = Chi1At(phi, sw2, 0);
            if (slope < 1 - 1e-12 || (slope <= 1 + 1e-12 && g(1e-4) <= 1e-20))
            {
                return 0.0;
            }
            // Not a tiny q: phi(u) for |u| ~ 1e-100 is rounded (elu computes e^u - 1), so g's sign there means nothing.
            // A root below 1e-4 is still found: the bisection of [0, 1e-4] then closes in on it.
            lo = 0;
            hi = 1e-4;
        }
        // Every bounded phi has q* <= sw2 sup phi^2 + sb2; an unbounded one still below this limit after the scan is taken
        // to grow without bound (checked up to 1e12 times the scale, where rounding in g is still far below g itself).
        double limit = 1e12 * (1 + sw2 + sb2 + v0);
        while (g(hi) > 0)
        {
            lo = hi;
            hi *= 4;
            if (hi > limit)
            {
                return double.PositiveInfinity;
            }
        }
        return Bisect(g, lo, hi);
    }

    /// <summary>A root of g in [lo, hi] with g(lo) &gt; 0 &gt;= g(hi), to adjacent doubles; the end with the smaller |g|.</summary>
    internal static double Bisect(Func<double, double> g, double lo, double hi)
    {
        double gLo = g(lo), gHi = g(hi);
        for (int i = 0; i < 2100; i++)
        {
            double mid = lo + 0.5 * (hi - lo);
            if (mid <= lo || mid >= hi)
            {
                break;
            }
            double gMid = g(mid);
            if (gMid > 0)
            {
                (lo, gLo) = (mid, gMid);
            }
            else
            {
                (hi, gHi) = (mid, gMid);
            }
        }
        return Math.Abs(gLo) < Math.Abs(gHi) ? lo : hi;
    }

    /// <summary>c with E[phi(sqrt(q) z)^2] = c q and E[phi'(sqrt(q) z)^2] = c exactly, for the positively homogeneous phi.</summary>
    internal static double? HomogeneousGain(Activation phi) => phi.Kind switch
    {
        ActivationKind.Identity => 1.0,
        ActivationKind.Relu => 0.5,
        ActivationKind.LeakyRelu => 0.5 * (1 + phi.Parameter * phi.Parameter),
        ActivationKind.Abs => 1.0,
        _ => null,
    };

    internal static void CheckVariances(double sw2, double sb2)
    {
        if (!(sw2 >= 0) || !double.IsFinite(sw2))
        {
            throw new ArgumentOutOfRangeException(nameof(sw2), sw2, "sigma_w^2 must be finite and >= 0");
        }
        if (!(sb2 >= 0) || !double.IsFinite(sb2))
        {
            throw new ArgumentOutOfRangeException(nameof(sb2), sb2, "sigma_b^2 must be finite and >= 0");
        }
    }

    private static double Square(double x) => x * x;
}
