using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// Singular values of Jacobians pooled from several stored <see cref="JacobianSpectrum.SingularHist"/> histograms: the
/// fraction of all of them in each log bin (four a decade, at the bin's centre in log10 sigma), from one empty bin below
/// the lowest non-empty one to one above the highest, so a drawn line starts and ends at 0. Singular values below
/// <see cref="RoundingLevel"/> times their spectrum's largest are rounding noise of the eigenvalue solve (the square root of
/// its relative accuracy), and exact zeros have no place on a log axis: both are counted apart, not drawn.
/// </summary>
/// <param name="Log10Sigma">log10 of each bin's centre.</param>
/// <param name="Fraction">The fraction of the pooled singular values in each bin.</param>
/// <param name="UnresolvedFraction">The fraction that are zero or at rounding level.</param>
/// <param name="Count">Singular values pooled.</param>
public sealed record SpectrumCurve(double[] Log10Sigma, double[] Fraction, double UnresolvedFraction, long Count)
{
    /// <summary>Singular values below this times the largest are at rounding level (<see cref="JacobianSpectrum.FromEigenvalues"/>).</summary>
    public const double RoundingLevel = 1e-8;

    /// <summary>The pooled curve of the spectra's histograms, or null when none has a resolved singular value.</summary>
    public static SpectrumCurve? Of(IEnumerable<JacobianSpectrum?> spectra)
    {
        var counts = new long[Histogram.Bins];
        long unresolved = 0;
        foreach (JacobianSpectrum s in spectra.OfType<JacobianSpectrum>())
        {
            if (s.SingularHist is not Histogram h)
            {
                continue;
            }
            // A bin is resolved when its upper edge is above the spectrum's rounding level.
            double floor = Math.Log10(s.Max * RoundingLevel);
            unresolved += h.Zero;
            for (int i = 0; i < (h.Pos?.Length ?? 0); i++)
            {
                int bin = h.PosFrom + i;
                if (Centre(bin) + 0.5 / Histogram.BinsPerDecade > floor)
                {
                    counts[bin] += h.Pos![i];
                }
                else
                {
                    unresolved += h.Pos![i];
                }
            }
        }
        int lo = Array.FindIndex(counts, c => c > 0), hi = Array.FindLastIndex(counts, c => c > 0);
        if (lo < 0)
        {
            return null;
        }
        long total = counts.Sum() + unresolved;
        (lo, hi) = (Math.Max(0, lo - 1), Math.Min(Histogram.Bins - 1, hi + 1));
        var x = new double[hi - lo + 1];
        var y = new double[hi - lo + 1];
        for (int b = lo; b <= hi; b++)
        {
            x[b - lo] = Centre(b);
            y[b - lo] = (double)counts[b] / total;
        }
        return new SpectrumCurve(x, y, (double)unresolved / total, total);
    }

    /// <summary>
    /// log10 of bin b's centre: bins 1..200 span [10^(-40 + (b-1)/4), 10^(-40 + b/4)); the underflow and overflow bins sit at
    /// the outer edges.
    /// </summary>
    public static double Centre(int bin) => bin switch
    {
        0 => Histogram.MinDecade,
        Histogram.Bins - 1 => Histogram.MaxDecade,
        _ => Histogram.MinDecade + (bin - 0.5) / Histogram.BinsPerDecade,
    };
}
