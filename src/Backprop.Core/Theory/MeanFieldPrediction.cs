using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>Which side of the order/chaos boundary a configuration is on (Schoenholz et al. 2017, arXiv:1611.01232: the ordered and chaotic phases are the vanishing- and exploding-gradient regions).</summary>
public enum GradientRegime
{
    /// <summary>chi1 &lt; 1: E||delta_l||^2 shrinks towards the input; gradients vanish.</summary>
    Ordered,

    /// <summary>chi1 = 1: gradients neither vanish nor explode exponentially.</summary>
    Critical,

    /// <summary>chi1 &gt; 1: E||delta_l||^2 grows towards the input; gradients explode.</summary>
    Chaotic,
}

/// <summary>
/// The mean-field prediction for a wide network with activation phi, weight variance sigma_w^2/N and bias variance
/// sigma_b^2: the fixed point q* of the length map q^l = sigma_w^2 E[phi(sqrt(q^(l-1)) z)^2] + sigma_b^2 (Poole et al. 2016,
/// arXiv:1606.05340), the slope chi1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] of the correlation map at c = 1 (same paper), which
/// Schoenholz et al. 2017 (arXiv:1611.01232, mean field theory for backpropagation) show is the factor by which each
/// layer multiplies E||delta_l||^2 going back, and their gradient depth scale xi = -1/ln(chi1).
/// </summary>
/// <param name="Activation">phi.</param>
/// <param name="Sw2">sigma_w^2 (weights ~ N(0, sigma_w^2 / fan_in)).</param>
/// <param name="Sb2">sigma_b^2 (biases ~ N(0, sigma_b^2)).</param>
/// <param name="Q">q*, or +infinity when the map has no finite fixed point and q grows without bound.</param>
/// <param name="Chi1">chi1 at q*; when q diverges, its limit as q -> infinity.</param>
public sealed record MeanFieldPrediction(Activation Activation, double Sw2, double Sb2, double Q, double Chi1)
{
    /// <summary>True when there is no finite fixed point: q^l grows without bound with depth.</summary>
    public bool QDiverges => double.IsPositiveInfinity(Q);

    /// <summary>chi1 within 1e-12 of 1 counts as critical (the quadrature is good to about 1e-14).</summary>
    public GradientRegime Regime => Math.Abs(Chi1 - 1.0) <= 1e-12 ? GradientRegime.Critical
        : Chi1 < 1.0 ? GradientRegime.Ordered
        : GradientRegime.Chaotic;

    /// <summary>
    /// 1/|ln chi1|: the number of layers over which E||delta||^2 changes by a factor e; -1/ln(chi1) = xi (vanishing) when
    /// chi1 &lt; 1, 1/ln(chi1) (the explosion scale) when chi1 &gt; 1, and infinite at chi1 = 1.
    /// </summary>
    public double DepthScale => Chi1 == 1.0 ? double.PositiveInfinity : 1.0 / Math.Abs(Math.Log(Chi1));
}
