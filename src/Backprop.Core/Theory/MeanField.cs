using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// Mean-field signal propagation in wide random networks, weights ~ N(0, sigma_w^2/N), biases ~ N(0, sigma_b^2)
/// (sw2 = sigma_w^2, sb2 = sigma_b^2 below). The length map of Poole et al. 2016 (arXiv:1606.05340),
/// q^l = sw2 E[phi(sqrt(q^(l-1)) z)^2] + sb2 with z ~ N(0,1), its fixed points (<see cref="LengthMap"/>), the one q*
/// the network's first layer flows to, chi1 = sw2 E[phi'(sqrt(q) z)^2], the per-layer factor of E||delta_l||^2 in
/// backpropagation (Schoenholz et al. 2017, arXiv:1611.01232), and the correlation map's fixed point c* and slope chi_c
/// there (<see cref="CorrelationMap"/>). Expectations are by <see cref="GaussianExpectation"/>; identity,
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
        if (q == 0)
        {
            // The one-sided limit in closed form: E[phi'(0+ z)^2] = (phi'(0+)^2 + phi'(0-)^2) / 2.
            return sw2 * 0.5 * (Square(phi.Derivative(1e-300)) + Square(phi.Derivative(-1e-300)));
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

    /// <summary>
    /// The prediction for inputs of mean square <paramref name="q0"/> = ||x||^2 / n (1 for standardised inputs): the first
    /// layer's pre-activations have variance q^1 = sw2 q0 + sb2, and deeper layers follow the length map from there to one
    /// of its fixed points (<see cref="MeanFieldPrediction"/>).
    /// </summary>
    public static MeanFieldPrediction Predict(Activation phi, double sw2, double sb2, double q0 = 1.0)
    {
        CheckVariances(sw2, sb2);
        CheckInput(q0);
        return PredictFromFirstLayer(phi, sw2, sb2, sw2 * q0 + sb2);
    }

    /// <summary>
    /// The prediction for a network whose first hidden layer has pre-activation variance <paramref name="q1"/> (its input
    /// layer may have another sigma_w^2: Xavier and orthogonal initialisers scale by the fans).
    /// </summary>
    public static MeanFieldPrediction PredictFromFirstLayer(Activation phi, double sw2, double sb2, double q1)
    {
        var (points, reached) = LengthMap.Analyze(phi, sw2, sb2, q1);
        var (cStar, chiC) = CorrelationMap.FixedPoint(phi, sw2, sb2, points[reached]);
        return new MeanFieldPrediction(phi, sw2, sb2, q1, points, reached, cStar, chiC);
    }

    /// <summary>The fixed point q* reached from inputs of mean square <paramref name="q0"/>, or +infinity when q grows without bound.</summary>
    public static double FixedPoint(Activation phi, double sw2, double sb2, double q0 = 1.0)
    {
        CheckVariances(sw2, sb2);
        CheckInput(q0);
        var (points, reached) = LengthMap.Analyze(phi, sw2, sb2, sw2 * q0 + sb2);
        return points[reached].Q;
    }

    /// <summary>Every fixed point of the length map, in increasing order, with its stability (<see cref="LengthMap"/>).</summary>
    public static IReadOnlyList<VarianceFixedPoint> FixedPoints(Activation phi, double sw2, double sb2) =>
        LengthMap.Analyze(phi, sw2, sb2, 0).FixedPoints;

    /// <summary>
    /// A root of g in [lo, hi], where g(lo) and g(hi) differ in sign, to within a few ulps: Brent's method (Brent 1973,
    /// Algorithms for Minimization without Derivatives, ch. 4), inverse quadratic interpolation that falls back to bisection
    /// whenever it would not shrink the bracket fast enough, so it takes about 10 evaluations where bisection takes 50.
    /// </summary>
    internal static double Root(Func<double, double> g, double lo, double hi)
    {
        double a = lo, b = hi, fa = g(a), fb = g(b);
        if (fa == 0)
        {
            return a;
        }
        double c = a, fc = fa, d = b - a, e = d;
        for (int iteration = 0; iteration < 500 && fb != 0; iteration++)
        {
            if (Math.Sign(fb) == Math.Sign(fc))
            {
                (c, fc) = (a, fa);
                d = e = b - a;
            }
            if (Math.Abs(fc) < Math.Abs(fb))
            {
                (a, fa) = (b, fb);
                (b, fb) = (c, fc);
                (c, fc) = (a, fa);
            }
            double tolerance = 2 * 2.2204460492503131e-16 * Math.Abs(b) + double.Epsilon;
            double m = 0.5 * (c - b);
            if (Math.Abs(m) <= tolerance)
            {
                break;
            }
            if (Math.Abs(e) >= tolerance && Math.Abs(fa) > Math.Abs(fb))
            {
                double s = fb / fa, p, q;
                if (a == c)
                {
                    p = 2 * m * s;
                    q = 1 - s;
                }
                else
                {
                    double r = fb / fc;
                    q = fa / fc;
                    p = s * (2 * m * q * (q - r) - (b - a) * (r - 1));
                    q = (q - 1) * (r - 1) * (s - 1);
                }
                if (p > 0)
                {
                    q = -q;
                }
                else
                {
                    p = -p;
                }
                if (2 * p < Math.Min(3 * m * q - Math.Abs(tolerance * q), Math.Abs(e * q)))
                {
                    e = d;
                    d = p / q;
                }
                else
                {
                    d = e = m;
                }
            }
            else
            {
                d = e = m;
            }
            (a, fa) = (b, fb);
            b += Math.Abs(d) > tolerance ? d : m > 0 ? tolerance : -tolerance;
            fb = g(b);
        }
        return b;
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

    internal static void CheckInput(double q0)
    {
        if (!(q0 >= 0) || !double.IsFinite(q0))
        {
            throw new ArgumentOutOfRangeException(nameof(q0), q0, "the inputs' mean square q0 must be finite and >= 0");
        }
    }

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
