using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Experiments;

/// <summary>
/// What mean-field theory predicts for a trial's back-propagated error at initialisation, for comparison with
/// the measured slope of ln E||delta_l||^2.
/// </summary>
public static class TrialTheory
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
    /// The predicted slope over hidden layers <paramref name="from"/>..Depth (from ln chi1(q^l) along the mean-field
    /// variance trajectory, q^1 from the data's mean squared input) and chi1 at the fixed point q* that q^1 flows to (its
    /// q -> infinity limit when q diverges); null where a value does not exist (a single layer, or a profile that under- or overflows)
    /// or the theory here does not follow the trial's layers (<see cref="FollowsWidths"/>).
    /// </summary>
    public static (double? Slope, double? Chi1Star) For(TrialConfig config, Dataset data, int from)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        if (!FollowsWidths(config))
        {
            return (null, null);
        }
        if (config.ParsedArchitecture is { Residual: true } or { Norm: not Normalization.None })
        {
            return ForArchitecture(config, data, from);
        }
        Activation phi = config.ParsedActivation;
        var (sw2, sb2, q1, q) = PlainTrajectory(config, data.InputSize, data.Inputs.Average(x => x * x));

        // Predicted E||delta_l||^2 up to a constant: the product of chi1(q^k) for k = l .. L-1 (delta_l = phi'(h_l) W_(l+1)^T delta_(l+1)),
        // fitted exactly like the measurement so the two slopes cover the same layers with the same weights.
        var profile = new double[config.Depth];
        double log = 0;
        profile[^1] = 1;
        for (int l = config.Depth - 2; l >= 0; l--)
        {
            log += Math.Log(MeanField.Chi1At(phi, sw2, q[l]));
            profile[l] = Math.Exp(log);
        }
        double? slope = ChiFit.LogSlope(profile, from, config.Depth);
        // The fixed point q^1 flows to: with several attractors (gelu) the one the data's variance leads to.
        var (points, reached) = LengthMap.Analyze(phi, sw2, sb2, q1);
        double chi1Star = points[reached].Chi1;
        return (slope, double.IsFinite(chi1Star) ? chi1Star : null);
    }

    /// <summary>
    /// The predicted mean squared singular value (1/N) ||J||_F^2 of the trial's Jacobian J = d x_D / d x_1
    /// (<see cref="JacobianSpectrum.MeanSquared"/>): E||J^T g||^2 / E||g||^2 for a back-propagated g with independent
    /// zero-mean entries. For a plain net the product of chi1(q^l) over hidden layers l = 2..D along the same variance
    /// trajectory as <see cref="For"/>; for residual and normalised nets E||dJ/dx_1||^2 of <see cref="ArchitectureTheory"/>
    /// relative to the top hidden layer's output. Null where there is no J (depth 1), no closed form (the post form), no
    /// prediction for the trial's widths (<see cref="FollowsWidths"/>), or the product leaves the range of a double. With
    /// hidden widths N_1 .. N_D, J is N_D x N_1 and the quantity is (1/N_D) ||J||_F^2.
    /// </summary>
    /// <param name="config">The trial.</param>
    /// <param name="inputSize">The dataset's input dimension (the first layer's fan-in).</param>
    /// <param name="inputMeanSquare">The mean square of the dataset's inputs, which sets q^1.</param>
    public static double? JacobianMeanSquared(TrialConfig config, int inputSize, double inputMeanSquare)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Depth < 2 || !FollowsWidths(config))
        {
            return null;
        }
        double predicted;
        Architecture a = config.ParsedArchitecture;
        if (a.Residual || a.Norm != Normalization.None)
        {
            if (a.Residual && a.Form == BlockForm.Post)
            {
                return null;
            }
            MeanFieldArchitecture shape = a.Residual
                ? MeanFieldArchitecture.Residual(a.BlockDepth, Architecture.ResolveScale(a.ResidualScale, a.BlockCount(config.Depth)), false, a.Norm != Normalization.None)
                : MeanFieldArchitecture.Plain(true);
            double sb2 = config.SigmaB * config.SigmaB;
            double v1 = EffectiveSigmaW2(config, inputSize, config.Width) * inputMeanSquare + sb2;
            try
            {
                ArchitecturePrediction prediction = ArchitectureTheory.PredictFromFirstLayer(
                    config.ParsedActivation, EffectiveSigmaW2(config, config.Width, config.Width), sb2, config.Depth, shape, v1);
                if (!prediction.HasClosedForm)
                {
                    return null;
                }
                predicted = prediction.Layers[0].OutputGradient / prediction.Layers[^1].OutputGradient;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
        else
        {
            var (sw2, _, _, q) = PlainTrajectory(config, inputSize, inputMeanSquare);
            double log = 0;
            for (int l = 1; l < config.Depth; l++)
            {
                log += Math.Log(MeanField.Chi1At(config.ParsedActivation, sw2, q[l]));
            }
            predicted = Math.Exp(log);
        }
        return predicted > 0 && double.IsFinite(predicted) ? predicted : null;
    }

    /// <summary>
    /// Whether one effective sigma_w^2 serves every hidden layer after the first, as the recursions here assume. With
    /// W ~ N(0, sigma_w^2 / fan_in), q^l = sigma_w^2 E[phi(h)^2] + sigma_b^2 and chi1 = sigma_w^2 E[phi'(h)^2] hold for any
    /// widths (E||W^T d||^2 = fan_in (sigma_w^2 / fan_in) ||d||^2), so per-layer widths keep the prediction; an initialiser
    /// whose effective sigma_w^2 depends on the fans (Xavier, orthogonal) gives layers of unequal widths unequal ones, and
    /// such a trial gets no prediction rather than a wrong one.
    /// </summary>
    public static bool FollowsWidths(TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.UniformWidth)
        {
            return true;
        }
        double uniform = EffectiveSigmaW2(config, config.Width, config.Width);
        for (int l = 1; l < config.Depth; l++)
        {
            if (EffectiveSigmaW2(config, config.HiddenWidth(l - 1), config.HiddenWidth(l)) != uniform)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The plain net's effective sigma_w^2 of the hidden layers, sigma_b^2, q^1 from the data, and q^l for l = 1..Depth.</summary>
    private static (double Sw2, double Sb2, double Q1, IReadOnlyList<double> Q) PlainTrajectory(TrialConfig config, int inputSize, double inputMeanSquare)
    {
        double sb2 = config.SigmaB * config.SigmaB;
        double sw2 = EffectiveSigmaW2(config, config.Width, config.Width);
        double q1 = EffectiveSigmaW2(config, inputSize, config.Width) * inputMeanSquare + sb2;
        return (sw2, sb2, q1, MeanField.QTrajectory(config.ParsedActivation, sw2, sb2, q1, config.Depth));
    }

    /// <summary>
    /// Residual and normalised networks: the predicted E||delta_l||^2 profile of <see cref="ArchitectureTheory"/> fitted as
    /// the measurement is, and its per-layer factor where the profile is geometric; nothing where the theory has no closed
    /// form (the post form) or no slope.
    /// </summary>
    private static (double? Slope, double? Chi1Star) ForArchitecture(TrialConfig config, Dataset data, int from)
    {
        Architecture a = config.ParsedArchitecture;
        if (a.Residual && a.Form == BlockForm.Post)
        {
            return (null, null);
        }
        bool norm = a.Norm != Normalization.None;
        MeanFieldArchitecture shape = a.Residual
            ? MeanFieldArchitecture.Residual(a.BlockDepth, Architecture.ResolveScale(a.ResidualScale, a.BlockCount(config.Depth)), false, norm)
            : MeanFieldArchitecture.Plain(norm);
        double sb2 = config.SigmaB * config.SigmaB;
        double v1 = EffectiveSigmaW2(config, data.InputSize, config.Width) * data.Inputs.Average(x => x * x) + sb2;
        ArchitecturePrediction prediction;
        try
        {
            prediction = ArchitectureTheory.PredictFromFirstLayer(config.ParsedActivation, EffectiveSigmaW2(config, config.Width, config.Width), sb2, config.Depth, shape, v1);
        }
        catch (ArgumentException)
        {
            return (null, null); // a shape or scale the theory does not cover: no prediction rather than a wrong one
        }
        if (!prediction.HasClosedForm)
        {
            return (null, null);
        }
        double[] profile = prediction.Layers.Select(l => l.PreActivationGradient).ToArray();
        double? slope = profile.All(v => v > 0 && double.IsFinite(v)) ? ChiFit.LogSlope(profile, from, config.Depth) : null;
        return (slope, prediction.LogSlope is double s ? Math.Exp(s) : null);
    }
}
