using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// The correlation map of two inputs at the length map's fixed point q* (Poole et al. 2016, arXiv:1606.05340):
/// C(c) = (sw2 E[phi(u1) phi(u2)] + sb2) / q* with (u1, u2) ~ N(0, q* [[1, c], [c, 1]]), its fixed point c* and its slope
/// there, chi_c = C'(c*) = sw2 E[phi'(u1) phi'(u2)] (Price's theorem). Schoenholz et al. 2017 (arXiv:1611.01232) bound
/// the trainable depth by about 6 xi_c, xi_c = -1/ln(chi_c).
/// </summary>
/// <remarks>
/// C(1) = 1 always and C'(1) = chi1. In the ordered phase (chi1 &lt; 1) c = 1 attracts, so c* = 1 and chi_c = chi1 (at
/// q* = 0 the limit of the same expressions). In the chaotic phase C is convex on [0, 1] (its Hermite expansion
/// sum a_n^2 c^n has no negative coefficient) with C(0) &gt;= 0 and C'(1) &gt; 1, so it has exactly one fixed point c* in [0, 1),
/// and Newton's method from c = 0 climbs to it without overshooting.
/// </remarks>
public static class CorrelationMap
{
    /// <summary>C(c) at the fixed point <paramref name="q"/> &gt; 0 of the length map.</summary>
    public static double Apply(Activation phi, double sw2, double sb2, double q, double c) =>
        (sw2 * BivariateGaussianExpectation.Of((u1, u2) => phi.Apply(u1) * phi.Apply(u2), q, c) + sb2) / q;

    /// <summary>C'(c) = sw2 E[phi'(u1) phi'(u2)] at variance <paramref name="q"/>.</summary>
    public static double SlopeAt(Activation phi, double sw2, double q, double c) =>
        sw2 * BivariateGaussianExpectation.Of((u1, u2) => phi.Derivative(u1) * phi.Derivative(u2), q, c);

    /// <summary>(C(c), C'(c)) from one pass over the quadrature nodes.</summary>
    private static (double Value, double Slope) ApplyWithSlope(Activation phi, double sw2, double sb2, double q, double c)
    {
        var (products, slopes) = BivariateGaussianExpectation.OfProducts(x => ValueAndDerivative(phi, x), q, c);
        return ((sw2 * products + sb2) / q, sw2 * slopes);
    }

    /// <summary>(phi(x), phi'(x)) with one exponential or tanh where the two share it.</summary>
    private static (double, double) ValueAndDerivative(Activation phi, double x)
    {
        switch (phi.Kind)
        {
            case ActivationKind.Tanh:
            {
                double t = Math.Tanh(x);
                return (t, 1 - t * t);
            }
            case ActivationKind.Sigmoid:
            {
                double e = Math.Exp(-Math.Abs(x));
                // sigmoid'(x) = e^-|x| / (1 + e^-|x|)^2 for either sign, with no 1 - sigmoid to cancel.
                return (x >= 0 ? 1 / (1 + e) : e / (1 + e), e / ((1 + e) * (1 + e)));
            }
            case ActivationKind.Elu when x <= 0:
            {
                double e = AsymptoticSquare.ExpMinusOne(x);
                return (phi.Parameter * e, phi.Parameter * (e + 1));
            }
            default:
                return (phi.Apply(x), phi.Derivative(x));
        }
    }

    /// <summary>
    /// (c*, chi_c) at the fixed point <paramref name="point"/> of the length map. Where q diverges the map tends to the one of
    /// phi's asymptotic slopes, which is scale-free: c* = 1 with slope 1 there, so no exponential depth scale (chi_c = 1).
    /// </summary>
    public static (double CStar, double ChiC) FixedPoint(Activation phi, double sw2, double sb2, VarianceFixedPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.IsInfinite)
        {
            // c_(l+1) slope at c = 1 is chi1(q_l) q_l / q_(l+1) -> (sw2 c_inf) / (sw2 c_inf) = 1 as q_l -> infinity.
            return (1, 1);
        }
        if (!(point.Chi1 > 1) || point.Q == 0)
        {
            return (1, point.Chi1);
        }
        double q = point.Q;
        // C(0) = (sw2 E[phi]^2 + sb2) / q: the two inputs are independent at c = 0, so this is one-dimensional (and exactly 0
        // for odd phi without bias).
        double mean = GaussianExpectation.Of(phi.Apply, Math.Sqrt(q));
        double h = (sw2 * mean * mean + sb2) / q;
        double c = 0;
        if (h <= 0)
        {
            return (0, SlopeAt(phi, sw2, q, 0));
        }
        double slope = SlopeAt(phi, sw2, q, 0);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            // h = C(c) - c > 0 and h' = C'(c) - 1 < 0 left of c*; convexity keeps each step short of c*.
            double step = h / (1 - slope);
            if (!(step > 0))
            {
                break;
            }
            c = Math.Min(c + step, 1);
            (double value, slope) = ApplyWithSlope(phi, sw2, sb2, q, c);
            if (step < 1e-12)
            {
                // Newton's next step would be about step^2 C''/(2 (1 - C')): below rounding.
                break;
            }
            h = value - c;
        }
        return (c, slope);
    }
}
