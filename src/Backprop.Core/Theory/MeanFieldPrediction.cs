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
/// sigma_b^2: every fixed point of the length map q^l = sigma_w^2 E[phi(sqrt(q^(l-1)) z)^2] + sigma_b^2 (Poole et al. 2016,
/// arXiv:1606.05340) and the one q* that the first layer's variance q^1 flows to; chi1 = sigma_w^2 E[phi'(sqrt(q*) z)^2],
/// the factor by which each layer multiplies E||delta_l||^2 going back (Schoenholz et al. 2017, arXiv:1611.01232), and
/// the gradient depth scale; the correlation map's fixed point c* and slope chi_c there, and the correlation depth scale
/// xi_c = -1/ln(chi_c), which bounds the trainable depth (about 6 xi_c).
/// </summary>
/// <param name="Activation">phi.</param>
/// <param name="Sw2">sigma_w^2 (weights ~ N(0, sigma_w^2 / fan_in)).</param>
/// <param name="Sb2">sigma_b^2 (biases ~ N(0, sigma_b^2)).</param>
/// <param name="Q1">q^1, the first hidden layer's pre-activation variance, where the length map starts.</param>
/// <param name="FixedPoints">Every fixed point of the length map in increasing order; +infinity when q can diverge.</param>
/// <param name="Reached">The index in <paramref name="FixedPoints"/> of the one q^1 flows to.</param>
/// <param name="CStar">c*, the correlation two inputs settle at; 1 in the ordered phase.</param>
/// <param name="ChiC">chi_c, the correlation map's slope at c*: chi1 when c* = 1.</param>
public sealed record MeanFieldPrediction(
    Activation Activation, double Sw2, double Sb2, double Q1, IReadOnlyList<VarianceFixedPoint> FixedPoints, int Reached, double CStar, double ChiC)
{
    /// <summary>q*: the fixed point q^1 flows to, +infinity when q grows without bound.</summary>
    public double Q => FixedPoints[Reached].Q;

    /// <summary>chi1 at q*; when q diverges, its limit as q -> infinity.</summary>
    public double Chi1 => FixedPoints[Reached].Chi1;

    /// <summary>True when q^l grows without bound from q^1.</summary>
    public bool QDiverges => double.IsPositiveInfinity(Q);

    /// <summary>chi1 within 1e-12 of 1 counts as critical (the quadrature is good to about 1e-14).</summary>
    public GradientRegime Regime => Math.Abs(Chi1 - 1.0) <= 1e-12 ? GradientRegime.Critical
        : Chi1 < 1.0 ? GradientRegime.Ordered
        : GradientRegime.Chaotic;

    /// <summary>
    /// xi_grad = 1/|ln chi1|: the number of layers over which E||delta||^2 changes by a factor e; -1/ln(chi1) when gradients
    /// vanish (chi1 &lt; 1), 1/ln(chi1) when they explode, infinite at chi1 = 1.
    /// </summary>
    public double XiGrad => DepthScale(Chi1);

    /// <summary>xi_c = -1/ln(chi_c): the number of layers over which correlations approach c* by a factor e; infinite at chi_c = 1.</summary>
    public double XiC => DepthScale(ChiC);

    /// <summary>About 6 xi_c: the depth up to which Schoenholz et al. 2017 find networks trainable (their Fig. 5).</summary>
    public double TrainableDepth => TrainableDepthFactor * XiC;

    public const double TrainableDepthFactor = 6;

    private static double DepthScale(double chi) => chi == 1.0 ? double.PositiveInfinity : 1.0 / Math.Abs(Math.Log(chi));
}
