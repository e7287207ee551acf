using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The mean-field curves drawn over the phase diagram: the critical sigma_w^2 (chi1(q*) = 1) at the sweep's sigma_b^2
/// and the trainable-depth curve L = 6 xi, xi = 1/|ln chi1| (Schoenholz et al. 2017: networks train up to about 6 xi
/// layers, on either side of the boundary).
/// </summary>
public static class TheoryCurves
{
    public const double TrainableDepthFactor = 6;

    public static double? CriticalSw2(Activation phi, double sb2) => CriticalLine.CriticalSw2(phi, sb2);

    /// <summary>
    /// (sigma_w^2, 6 xi) at <paramref name="points"/> geometrically spaced sigma_w^2 in [min, max], split into the
    /// ordered and the chaotic branch (xi is infinite at the boundary, so they are separate curves).
    /// </summary>
    public static (List<(double Sw2, double Depth)> Ordered, List<(double Sw2, double Depth)> Chaotic) SixXi(
        Activation phi, double sb2, double min, double max, int points = 160)
    {
        var ordered = new List<(double, double)>();
        var chaotic = new List<(double, double)>();
        double lo = Math.Log(min), hi = Math.Log(max);
        for (int i = 0; i < points; i++)
        {
            double sw2 = Math.Exp(lo + (hi - lo) * i / (points - 1));
            MeanFieldPrediction p = MeanField.Predict(phi, sw2, sb2);
            double depth = TrainableDepthFactor * p.XiGrad;
            if (!double.IsFinite(depth))
            {
                continue;
            }
            (p.Chi1 < 1 ? ordered : chaotic).Add((sw2, depth));
        }
        return (ordered, chaotic);
    }
}
