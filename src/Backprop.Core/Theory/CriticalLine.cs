using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// The order/chaos boundary in the (sigma_w^2, sigma_b^2) plane (Poole et al. 2016, arXiv:1606.05340, Fig. 2;
/// Schoenholz et al. 2017, arXiv:1611.01232, Fig. 1): the sigma_w^2 where chi1(q*(sigma_w^2), sigma_w^2) = 1.
/// Below it the network is ordered (gradients vanish), above it chaotic (gradients explode).
/// </summary>
public static class CriticalLine
{
    private const double SearchMin = 1e-12;
    private const double SearchMax = 1e8;

    /// <summary>
    /// The critical sigma_w^2 at bias variance <paramref name="sb2"/>, or null when chi1 stays on one side of 1 for every
    /// sigma_w^2 in [1e-12, 1e8]. Exact for identity and abs (1), relu (2) and leaky_relu (2/(1 + s^2)), for every sb2; otherwise
    /// h(sw2) = chi1 - 1 is bracketed by doubling or halving from sw2 = 1 and bisected to adjacent doubles.
    /// </summary>
    /// <remarks>
    /// Near the critical point h is flat on one side (tanh at sb2 = 0: h = sw2 - 1 below 1, h ~ 0.33 (sw2 - 1)^2 above),
    /// so the root is located to about sqrt(quadrature error) ~ 1e-7 on that side; chi1 there is still 1 to ~1e-14.
    /// </remarks>
    public static double? CriticalSw2(Activation phi, double sb2)
    {
        MeanField.CheckVariances(1, sb2);
        if (MeanField.HomogeneousGain(phi) is double c)
        {
            return 1 / c;
        }
        double h(double sw2) => MeanField.Predict(phi, sw2, sb2).Chi1 - 1;
        double lo = 1, hi = 1;
        if (h(1) < 0)
        {
            while (h(hi) < 0)
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
            while (h(lo) >= 0)
            {
                hi = lo;
                lo /= 2;
                if (lo < SearchMin)
                {
                    return null;
                }
            }
        }
        // Bisect expects g(lo) > 0 >= g(hi); chi1 grows with sw2, so hand it -h.
        return MeanField.Bisect(sw2 => -h(sw2), lo, hi);
    }
}
