using System.Text.Json.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// The singular values of a trial's input-output Jacobian J = d x_D / d x_1 at one step: x_l is the output of hidden layer
/// l and D the last hidden layer, so J (N_D x N_1, width x width when the widths are equal) spans hidden layers 2..D and
/// leaves out the first layer (which maps the data's own dimension) and the readout. In mean-field theory its mean squared
/// singular value (1/N_D) ||J||_F^2 is the product of chi1 over layers 2..D, chi1^(D-1) at the fixed point (Schoenholz et
/// al. 2017); dynamical isometry (Saxe et al. 2014, Pennington et al. 2017) is every singular value near 1. The
/// statistics pool the N_D eigenvalues of J J^T, as singular values, at each of <see cref="Inputs"/> inputs (the first
/// examples of the trial's dataset): N_D x Inputs values. For a rectangular J that is its min(N_D, N_1) singular values
/// and, when N_D &gt; N_1, N_D - N_1 zeros; (1/N_D) ||J||_F^2 = E||J^T g||^2 / E||g||^2 for a g of independent unit
/// entries at the top layer, the gain a back-propagated error sees, whichever of the two widths is larger.
/// </summary>
/// <param name="Method">Exact, or the randomised estimate (then <see cref="Min"/>, <see cref="Std"/>,
/// <see cref="RelativeVariance"/> are NaN and <see cref="SingularHist"/> is null).</param>
/// <param name="Inputs">The number of inputs J was taken at.</param>
/// <param name="Size">N_D, the number of rows of J (the last hidden layer's width).</param>
/// <param name="MeanSquared">The mean of sigma^2 over J J^T's N_D eigenvalues, (1/N_D) ||J||_F^2, averaged over the inputs.</param>
/// <param name="Max">The largest singular value over the inputs (for the estimate, a lower bound on it).</param>
/// <param name="Min">The smallest singular value over the inputs.</param>
/// <param name="Std">The standard deviation of the pooled singular values.</param>
/// <param name="RelativeVariance">Var(sigma^2) / E[sigma^2]^2 over the pooled values: the variance of the spectrum of J J^T
/// in units of its squared mean, the measure of spread of Pennington et al. 2017 (section 2.3); 0 for an isometry up to
/// scale, and free of the overall scale, so nets of different chi1 compare.</param>
/// <param name="SingularHist">The pooled singular values on the fixed log10 bins of <see cref="Histogram"/> (four a decade;
/// exact zeros counted apart).</param>
/// <param name="Probes">Probe vectors per input of the estimate; 0 for the exact spectrum.</param>
public sealed record JacobianSpectrum(
    JacobianMethod Method,
    int Inputs,
    int Size,
    double MeanSquared,
    double Max,
    double Min,
    double Std,
    double RelativeVariance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Histogram? SingularHist = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Probes = 0)
{
    /// <summary>
    /// The statistics of the exact spectrum from the eigenvalues of J J^T at each input (<paramref name="eigenvalues"/>,
    /// one run of <paramref name="size"/> an input) and the traces ||J||_F^2 (<paramref name="traces"/>, one
    /// per input, summed from J's entries: more accurate than the eigenvalues' sum). Eigenvalues below zero by rounding
    /// count as zero singular values; singular values below about 1e-8 sigma_max are at rounding level (the square root of
    /// the eigenvalues' relative accuracy).
    /// </summary>
    public static JacobianSpectrum FromEigenvalues(ReadOnlySpan<double> eigenvalues, ReadOnlySpan<double> traces, int size, HistogramCounter counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        int inputs = traces.Length;
        double meanSquared = 0;
        foreach (double t in traces)
        {
            meanSquared += t / size;
        }
        meanSquared /= inputs;
        if (!double.IsFinite(meanSquared) || !AllFinite(eigenvalues))
        {
            return new JacobianSpectrum(JacobianMethod.Exact, inputs, size, meanSquared, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        var sigma = new double[eigenvalues.Length];
        double sum = 0, sumLambda = 0, max = 0, min = double.PositiveInfinity;
        for (int i = 0; i < eigenvalues.Length; i++)
        {
            double lambda = Math.Max(eigenvalues[i], 0);
            sigma[i] = Math.Sqrt(lambda);
            sum += sigma[i];
            sumLambda += lambda;
            max = Math.Max(max, sigma[i]);
            min = Math.Min(min, sigma[i]);
        }
        int count = eigenvalues.Length;
        double mean = sum / count, meanLambda = sumLambda / count;
        // Two passes, so a spread far below the mean (an isometry) is not lost to cancellation.
        double varSigma = 0, varLambda = 0;
        foreach (double s in sigma)
        {
            varSigma += (s - mean) * (s - mean);
            varLambda += (s * s - meanLambda) * (s * s - meanLambda);
        }
        double std = Math.Sqrt(varSigma / count);
        double relativeVariance = varLambda / count / (meanLambda * meanLambda);
        return new JacobianSpectrum(JacobianMethod.Exact, inputs, size, meanSquared, max, min, std, relativeVariance, counter.Count(sigma));
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }
}
