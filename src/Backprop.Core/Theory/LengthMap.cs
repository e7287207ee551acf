using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// Every fixed point of the length map V(q) = sw2 E[phi(sqrt(q) z)^2] + sb2 (Poole et al. 2016, arXiv:1606.05340), with its
/// stability, and the one a network's first-layer variance q^1 flows to.
/// </summary>
/// <remarks>
/// <para>V is non-decreasing in q for every supported phi (phi(x)^2 + phi(-x)^2 grows with |x|), so q^l moves monotonically
/// and never passes a fixed point: from q^1 with V(q^1) &gt; q^1 it rises to the nearest fixed point above (or to infinity),
/// with V(q^1) &lt; q^1 it falls to the nearest one below. Which attractor is reached therefore depends on q^1 when there are
/// several (gelu: q = 0 and q = infinity, split by an unstable fixed point).</para>
/// <para>g(q) = V(q) - q is evaluated as (sw2 c_inf - 1) q + sw2 E[r(sqrt(q) z)] + sb2, splitting phi(x)^2 into its growth and
/// a bounded remainder r (<see cref="AsymptoticSquare"/>). Subtracting q from sw2 E[phi^2] directly would lose every
/// digit where the two nearly cancel at large q: softplus at sw2 = 2 has g = 2 E[r] ~ 1/sqrt(q) &gt; 0, so q diverges, but
/// the direct difference is rounding noise beyond q ~ 1e10 and shows a spurious root there.</para>
/// <para>Roots are located by scanning g over q = 2^j (from V(0), below which g(q) &gt;= V(0) - q &gt; 0, or from 2^-80 when
/// q = 0 is itself fixed, up to a bound beyond which g has no root, steps of 16 above 2^16), checking every local minimum
/// of |g| between sign changes for a pair of roots, and refining each bracket to a few ulps (Brent's method). Signs within
/// rounding of 0 count as 0. The bound is capped at 2^72, whose sign of g is then taken as the sign at infinity: that
/// misses a root only when sw2 is within about 1e-14 (sw2 + sb2) of 1/c_inf.</para>
/// </remarks>
public static class LengthMap
{
    private const int BottomExponent = -80;
    private const int TopExponent = 72;
    // The scan doubles q up to here and then steps by 16: far out g is (k - 1) q plus a slowly varying remainder.
    private const double Fine = 65536;
    // Relative size of rounding in g: signs of g smaller than this times the size of its terms are taken as 0.
    private const double Rounding = 7e-15;

    /// <summary>
    /// The fixed points of V in increasing order (0 when it is one, +infinity when q can diverge) and the index of the one
    /// reached from <paramref name="q1"/>, the first hidden layer's pre-activation variance.
    /// </summary>
    public static (IReadOnlyList<VarianceFixedPoint> FixedPoints, int Reached) Analyze(Activation phi, double sw2, double sb2, double q1)
    {
        MeanField.CheckVariances(sw2, sb2);
        if (!(q1 >= 0) || !double.IsFinite(q1))
        {
            throw new ArgumentOutOfRangeException(nameof(q1), q1, "q^1 must be finite and >= 0");
        }
        if (MeanField.HomogeneousGain(phi) is double c)
        {
            return Homogeneous(c * sw2, sb2, q1);
        }
        if (sw2 == 0)
        {
            // V(q) = sb2 for every q: one layer reaches it.
            return ([new VarianceFixedPoint(sb2, FixedPointStability.Stable, 0, 0)], 0);
        }
        var map = new Map(phi, sw2, sb2);
        List<VarianceFixedPoint> points = map.FixedPoints();
        return (points, Reached(points, map.Sign(q1), q1));
    }

    /// <summary>g(q) = V(q) - q, computed without cancelling sw2 E[phi^2] against q (see the remarks).</summary>
    public static double Excess(Activation phi, double sw2, double sb2, double q)
    {
        MeanField.CheckVariances(sw2, sb2);
        return new Map(phi, sw2, sb2).G(q);
    }

    /// <summary>V'(q) = sw2 E[z phi(sqrt(q) z) phi'(sqrt(q) z)] / sqrt(q) (Gaussian integration by parts); at q = 0 its limit chi1(0) when phi(0) = 0.</summary>
    public static double Slope(Activation phi, double sw2, double q)
    {
        if (q == 0)
        {
            return MeanField.Chi1At(phi, sw2, 0);
        }
        return sw2 * GaussianExpectation.Of(u => u * phi.Apply(u) * phi.Derivative(u), Math.Sqrt(q)) / q;
    }

    private static (IReadOnlyList<VarianceFixedPoint>, int) Homogeneous(double k, double sb2, double q1)
    {
        // V(q) = k q + sb2 exactly (k = c sw2 = chi1 everywhere).
        if (k < 1)
        {
            return ([new VarianceFixedPoint(sb2 / (1 - k), FixedPointStability.Stable, k, k)], 0);
        }
        var infinity = new VarianceFixedPoint(double.PositiveInfinity, FixedPointStability.Stable, k, k);
        if (sb2 > 0)
        {
            return ([infinity], 0);
        }
        if (k == 1)
        {
            return ([new VarianceFixedPoint(q1, FixedPointStability.Neutral, 1, 1)], 0);
        }
        return ([new VarianceFixedPoint(0, FixedPointStability.Unstable, k, k), infinity], q1 == 0 ? 0 : 1);
    }

    /// <summary>The fixed point q^l tends to: the nearest one in the direction V moves q1 (see the remarks).</summary>
    private static int Reached(List<VarianceFixedPoint> points, int sign, double q1)
    {
        if (sign > 0)
        {
            int above = points.FindIndex(p => p.Q > q1);
            return above >= 0 ? above : points.Count - 1;
        }
        if (sign < 0)
        {
            int below = points.FindLastIndex(p => p.Q < q1);
            return below >= 0 ? below : 0;
        }
        int nearest = 0;
        for (int i = 1; i < points.Count; i++)
        {
            if (Math.Abs(points[i].Q - q1) < Math.Abs(points[nearest].Q - q1))
            {
                nearest = i;
            }
        }
        return nearest;
    }

    private static double Square(double x) => x * x;

    /// <summary>One (phi, sw2, sb2): g, its sign and the scan.</summary>
    private sealed class Map(Activation phi, double sw2, double sb2)
    {
        private readonly double _k = sw2 * AsymptoticSquare.Growth(phi);
        private readonly double _v0 = sw2 * Square(phi.Apply(0.0)) + sb2;

        public double G(double q) => GWithScale(q).G;

        /// <summary>The sign of g, 0 where |g| is within rounding of the size of its terms.</summary>
        public int Sign(double q)
        {
            var (g, scale) = GWithScale(q);
            return Math.Abs(g) <= Rounding * scale ? 0 : Math.Sign(g);
        }

        /// <summary>g(q) and the size of the terms it is summed from (what its rounding is relative to).</summary>
        private (double G, double Scale) GWithScale(double q)
        {
            if (q == 0)
            {
                return (_v0, _v0);
            }
            double er = GaussianExpectation.Of(x => AsymptoticSquare.Remainder(phi, x), Math.Sqrt(q));
            double linear = (_k - 1) * q;
            double g = linear + sw2 * er + sb2;
            // The terms' sizes: for bounded phi V and q themselves; otherwise the linear part and the remainder.
            double scale = (_k == 0 ? q : Math.Abs(linear)) + sw2 * Math.Abs(er) + sb2;
            return (g, scale);
        }

        public List<VarianceFixedPoint> FixedPoints()
        {
            bool zeroIsFixed = _v0 == 0;
            double bottom = zeroIsFixed ? Math.ScaleB(1.0, BottomExponent) : _v0;
            double top = Top(bottom);
            var qs = new List<double>();
            for (double q = bottom; q < top; q *= q < Fine ? 2 : 16)
            {
                qs.Add(q);
            }
            qs.Add(top);
            var samples = qs.Select(GWithScale).ToArray();
            double[] gs = samples.Select(s => s.G).ToArray();
            int[] signs = samples.Select(s => Math.Abs(s.G) <= Rounding * s.Scale ? 0 : Math.Sign(s.G)).ToArray();
            if (!zeroIsFixed)
            {
                // g(V(0)) = V(V(0)) - V(0) >= 0 since V is non-decreasing; a 0 or - here is rounding.
                signs[0] = 1;
            }

            var points = new List<VarianceFixedPoint>();
            if (zeroIsFixed)
            {
                // chi1(0) = V'(0) decides, unless it is 1 to rounding: then the first resolvable sign of g above 0 does.
                double slope0 = MeanField.Chi1At(phi, sw2, 0);
                int first = signs.FirstOrDefault(s => s != 0);
                bool stable = Math.Abs(slope0 - 1) > 1e-15 ? slope0 < 1 : first <= 0;
                points.Add(new VarianceFixedPoint(0, stable ? FixedPointStability.Stable : FixedPointStability.Unstable, slope0, slope0));
            }
            int last = -1;
            for (int i = 0; i < qs.Count; i++)
            {
                if (signs[i] == 0)
                {
                    continue;
                }
                if (last >= 0 && signs[last] != signs[i])
                {
                    points.Add(Root(qs[last], qs[i], signs[last]));
                }
                else if (last >= 0 && i + 1 < qs.Count && last == i - 1 && signs[i + 1] == signs[i]
                    && Math.Abs(gs[i]) < Math.Abs(gs[i - 1]) && Math.Abs(gs[i]) < Math.Abs(gs[i + 1]))
                {
                    // |g| dips between two samples of one sign: look for a pair of roots closer together than the grid.
                    double m = DeepestPoint(qs[i - 1], qs[i + 1], signs[i]);
                    if (Sign(m) == -signs[i])
                    {
                        points.Add(Root(qs[i - 1], m, signs[i]));
                        points.Add(Root(m, qs[i + 1], -signs[i]));
                    }
                }
                last = i;
            }
            if (last >= 0 && signs[last] > 0)
            {
                if (_k > 0 && signs[^1] > 0)
                {
                    points.Add(new VarianceFixedPoint(double.PositiveInfinity, FixedPointStability.Stable, _k, MeanField.Chi1At(phi, sw2, double.PositiveInfinity)));
                }
                else
                {
                    // g(top) is within rounding of 0 rather than positive: the last root lies between the last positive sample and top.
                    points.Add(Root(qs[last], qs[^1], 1));
                }
            }
            return points;
        }

        /// <summary>
        /// A q above which g has no root and g(q) &lt;= 0 or the linear term decides. Bounded phi (k = 0):
        /// V &lt;= sw2 sup phi^2 + sb2 = sw2 + sb2 (tanh, sigmoid), and at least twice V(0) so the scan has two samples.
        /// Otherwise |sw2 E[r] + sb2| &lt;= sw2 R + sb2 with R = max(1, alpha^2) bounding |r| (elu's r lies in [0, alpha^2];
        /// softplus's and gelu's stay below 0.75), so beyond 4 (sw2 R + sb2) / |k - 1| the linear term decides g's sign;
        /// capped at 2^72, where the quadrature still resolves r.
        /// </summary>
        private double Top(double bottom)
        {
            if (_k == 0)
            {
                return Math.Max(2 * bottom, sw2 + sb2);
            }
            double r = phi.Kind == ActivationKind.Elu ? Math.Max(1, phi.Parameter * phi.Parameter) : 1;
            double beyond = 4 * (sw2 * r + sb2) / Math.Abs(_k - 1);
            return Math.Min(Math.ScaleB(1.0, TopExponent), Math.Max(bottom, Math.Max(Fine, beyond)));
        }

        /// <summary>The root of g in [lo, hi], where g has sign <paramref name="signLo"/> at lo and the other at hi.</summary>
        private VarianceFixedPoint Root(double lo, double hi, int signLo)
        {
            double q = MeanField.Root(G, lo, hi);
            // g goes from + to - through a stable fixed point (q below it rises, q above it falls).
            var stability = signLo > 0 ? FixedPointStability.Stable : FixedPointStability.Unstable;
            return new VarianceFixedPoint(q, stability, Slope(phi, sw2, q), MeanField.Chi1At(phi, sw2, q));
        }

        /// <summary>Where sign * g is smallest in [lo, hi], by golden-section search in ln q.</summary>
        private double DeepestPoint(double lo, double hi, int sign)
        {
            double a = Math.Log(lo), b = Math.Log(hi);
            double r = (Math.Sqrt(5) - 1) / 2;
            double x1 = b - r * (b - a), x2 = a + r * (b - a);
            double f1 = sign * G(Math.Exp(x1)), f2 = sign * G(Math.Exp(x2));
            for (int i = 0; i < 60 && b - a > 1e-12; i++)
            {
                if (f1 < f2)
                {
                    (b, x2, f2) = (x2, x1, f1);
                    x1 = b - r * (b - a);
                    f1 = sign * G(Math.Exp(x1));
                }
                else
                {
                    (a, x1, f1) = (x1, x2, f2);
                    x2 = a + r * (b - a);
                    f2 = sign * G(Math.Exp(x2));
                }
            }
            return Math.Exp(f1 < f2 ? x1 : x2);
        }
    }
}
