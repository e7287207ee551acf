using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// The order/chaos boundary in the (sigma_w^2, sigma_b^2) plane (Poole et al. 2016, arXiv:1606.05340, Fig. 2;
/// Schoenholz et al. 2017, arXiv:1611.01232, Fig. 1): the sigma_w^2 where chi1 at the fixed point reached from the inputs
/// reaches 1. Below it the network is ordered (gradients vanish), above it chaotic (gradients explode).
/// </summary>
public static class CriticalLine
{
    private const double SearchMin = 1e-12;
    private const double SearchMax = 1e8;

    /// <summary>
    /// The critical sigma_w^2 at bias variance <paramref name="sb2"/> for inputs of mean square <paramref name="q0"/>, or null
    /// when the regime is the same for every sigma_w^2 in [1e-12, 1e8]. Exact for identity and abs (1), relu (2) and
    /// leaky_relu (2/(1 + s^2)); otherwise bracketed by doubling or halving from sigma_w^2 = 1 and bisected to adjacent doubles
    /// on the sign of chi1 - 1 at the fixed point that q^1 = sigma_w^2 q0 + sigma_b^2 flows to.
    /// </summary>
    /// <remarks>
    /// <para>Where the attractor jumps (gelu: from q = 0, chi1 = sw2/4, to q = infinity, chi1 = sw2/2, once q^1 passes the
    /// unstable fixed point between them) chi1 jumps across 1, and the boundary is that jump.</para>
    /// <para>Without bias and with phi(0) = 0 (tanh, elu, gelu), q = 0 is a fixed point that loses stability at
    /// sw2_0 = 1/E[phi'(0+-)^2]; the branch that leaves it is critical to second order (chi1 - 1 grows like (sw2 - sw2_0)^2
    /// for tanh and elu), so the sign of chi1 - 1 is rounding noise for about 1e-7 above sw2_0. When the bisection ends
    /// inside such a stretch next to sw2_0, the boundary is sw2_0 itself, where chi1 = 1 exactly.</para>
    /// </remarks>
    public static double? CriticalSw2(Activation phi, double sb2, double q0 = 1.0)
    {
        MeanField.CheckVariances(1, sb2);
        MeanField.CheckInput(q0);
        if (MeanField.HomogeneousGain(phi) is double c)
        {
            return 1 / c;
        }
        double Chi1(double sw2)
        {
            var (points, reached) = LengthMap.Analyze(phi, sw2, sb2, sw2 * q0 + sb2);
            return points[reached].Chi1;
        }
        double lo = 1, hi = 1;
        if (Chi1(1) < 1)
        {
            while (Chi1(hi) < 1)
            {
                lo = hi;
                hi *= 2;
                if (hi > SearchMax)
                {
                    return null;
                }
            }
        }
        else
        {
            while (Chi1(lo) >= 1)
            {
                hi = lo;
                lo /= 2;
                if (lo < SearchMin)
                {
                    return null;
                }
            }
        }
        for (int i = 0; i < 2100; i++)
        {
            double mid = lo + 0.5 * (hi - lo);
            if (mid <= lo || mid >= hi)
            {
                break;
            }
            if (Chi1(mid) < 1)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        double chiLo = Chi1(lo), chiHi = Chi1(hi);
        if (sb2 == 0 && phi.Apply(0) == 0)
        {
            double sw20 = 2 / (Square(phi.Derivative(1e-300)) + Square(phi.Derivative(-1e-300)));
            if (Math.Abs(chiLo - 1) <= 1e-12 && Math.Abs(chiHi - 1) <= 1e-12 && Math.Abs(hi / sw20 - 1) <= 1e-5)
            {
                return sw20;
            }
        }
        return Math.Abs(chiLo - 1) < Math.Abs(chiHi - 1) ? lo : hi;
    }

    private static double Square(double x) => x * x;
}
