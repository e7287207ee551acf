using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// phi(x)^2 = a(x)^2 x^2 + r(x), with a(x) the slope of phi at +infinity for x &gt; 0 and at -infinity for x &lt; 0: the growth,
/// whose Gaussian mean is c_inf q exactly, and a bounded remainder r. The length map's excess V(q) - q is then
/// (sw2 c_inf - 1) q + sw2 E[r] + sb2, with nothing left to cancel at large q.
/// </summary>
internal static class AsymptoticSquare
{
    /// <summary>c_inf with phi(x)^2 ~ c_inf x^2 on average over x = +-infinity: (a_+^2 + a_-^2)/2, a the slopes there.</summary>
    public static double Growth(Activation phi) => phi.Kind switch
    {
        ActivationKind.Sigmoid or ActivationKind.Tanh => 0.0,
        ActivationKind.Elu or ActivationKind.Softplus or ActivationKind.Gelu => 0.5,
        _ => MeanField.HomogeneousGain(phi) ?? throw new InvalidOperationException(),
    };

    /// <summary>
    /// r(x) = phi(x)^2 - a(x)^2 x^2 with a(x) the slope of phi at +infinity for x &gt; 0 and at -infinity for x &lt; 0, written so
    /// that no digits cancel where phi(x)^2 and a^2 x^2 are close.
    /// </summary>
    public static double Remainder(Activation phi, double x)
    {
        switch (phi.Kind)
        {
            case ActivationKind.Elu:
                return x > 0 ? 0.0 : Square(phi.Parameter * ExpMinusOne(x));
            case ActivationKind.Softplus:
            {
                // softplus(x) = max(x, 0) + log(1 + e^-|x|).
                double l = LogOnePlus(Math.Exp(-Math.Abs(x)));
                return x > 0 ? l * (2 * x + l) : l * l;
            }
            case ActivationKind.Gelu:
            {
                // gelu(x) = x s with s = (1 + tanh u)/2 = 1/(1 + e^-2u), u = sqrt(2/pi) (x + 0.044715 x^3); for x > 0
                // gelu^2 - x^2 = -x^2 (1 - s)(1 + s) with 1 - s = 1/(1 + e^2u).
                double u = Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
                if (x > 0)
                {
                    double t = 1 / (1 + Math.Exp(2 * u));
                    return -x * x * t * (2 - t);
                }
                return Square(x / (1 + Math.Exp(-2 * u)));
            }
            default:
                return Square(phi.Apply(x));
        }
    }

    public static double LogOnePlus(double x)
    {
        // log(1 + x) to a few ulps for every x >= 0: log(u) x / (u - 1) with u = 1 + x cancels u's rounding (Goldberg 1991).
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    public static double ExpMinusOne(double x)
    {
        // e^x - 1 without cancellation for small |x|: (u - 1) x / log(u) with u = e^x (Kahan's expm1).
        double u = Math.Exp(x);
        if (u == 1)
        {
            return x;
        }
        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    private static double Square(double x) => x * x;
}
