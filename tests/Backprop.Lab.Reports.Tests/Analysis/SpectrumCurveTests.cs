using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Tests.Analysis;

public class SpectrumCurveTests
{
    private static JacobianSpectrum Spectrum(double[] sigma)
    {
        Histogram h = new HistogramCounter().Count(sigma);
        return new JacobianSpectrum(JacobianMethod.Exact, 1, sigma.Length, sigma.Average(s => s * s), sigma.Max(), sigma.Min(), 0, 0, h);
    }

    [Fact]
    public void Pooled_fractions_add_up_with_the_unresolved_share_and_start_and_end_at_zero()
    {
        // 1e-12 is below 1e-8 times the largest (2): rounding level, counted apart with the exact zero.
        SpectrumCurve curve = SpectrumCurve.Of([Spectrum([1, 1.1, 2, 0, 1e-12]), Spectrum([0.5, 1]), null])!;
        Assert.Equal(7, curve.Count);
        Assert.Equal(2.0 / 7, curve.UnresolvedFraction, 12);
        Assert.Equal(1.0, curve.Fraction.Sum() + curve.UnresolvedFraction, 12);
        Assert.Equal(0, curve.Fraction[0]);
        Assert.Equal(0, curve.Fraction[^1]);
        // Bin centres are four a decade: 0.5 falls in [10^-0.5, 10^-0.25), centre 10^-0.375.
        Assert.Equal(-0.375 - 0.25, curve.Log10Sigma[0], 12);
        Assert.Equal(1.0 / 7, curve.Fraction[1], 12);
    }

    [Fact]
    public void A_spectrum_without_a_histogram_gives_no_curve() =>
        Assert.Null(SpectrumCurve.Of([new JacobianSpectrum(JacobianMethod.Estimate, 2, 8, 1, 1, double.NaN, double.NaN, double.NaN)]));
}
