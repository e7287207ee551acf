namespace Backprop.Core.Teaching;

/// <summary>
/// The partial paths from the parameter's unit up to layer <see cref="Layer"/>: how many, how big their
/// products p (of phi'(z) w factors) are, and the sum of p^2, which sets the size of the gradient when the
/// paths' signs are unrelated (a sum of N random-signed terms has size about sqrt(sum p^2)).
/// </summary>
public sealed record DepthSpread(int Layer, double Paths, double SumOfSquares, double MeanLog10, double ZeroFraction,
    double Log10P10, double Log10P50, double Log10P90)
{
    /// <summary>Root mean square of |p| over the paths.</summary>
    public double Rms => Math.Sqrt(SumOfSquares / Paths);
}

/// <summary>
/// A summary of path products for networks too deep or wide to list their paths: per depth the number of
/// paths (the product of the widths), the exact mean of log10|p| and sum of p^2 (by dynamic programming over
/// units, so nothing exponential is enumerated), and sampled percentiles of log10|p|.
/// </summary>
public sealed record PathSpread(IReadOnlyList<DepthSpread> Depths, int Samples)
{
    /// <summary>Uniformly random paths drawn for the percentiles, with a fixed seed so the output is reproducible.</summary>
    public const int DefaultSamples = 2000;

    /// <summary>Per layer, the factor by which the sum of p^2 grows: the mean-field chi_1 of the layer.</summary>
    public IReadOnlyList<double> Growth =>
        Depths.Select((d, i) => d.SumOfSquares / (i == 0 ? 1 : Depths[i - 1].SumOfSquares)).ToList();

    /// <summary>Geometric mean of <see cref="Growth"/>: below 1 gradients vanish with depth, above 1 they explode.</summary>
    public double MeanGrowth => Depths.Count == 0 ? 1 : Math.Pow(Depths[^1].SumOfSquares, 1.0 / Depths.Count);

    internal static PathSpread Measure(NetworkState s, int from, int unit, int samples = DefaultSamples)
    {
        // Per unit of the current layer: number of paths reaching it, sum of p^2, number and log-sum of non-zero p.
        double[] count = [1], squares = [1], nonZero = [1], logSum = [0];
        int[] units = [unit];
        var depths = new List<DepthSpread>();
        var sampled = Sample(s, from, unit, samples);
        for (int l = from + 1; l <= s.Depth; l++)
        {
            int width = s.Layers[l - 1].OutputSize;
            double[] c = new double[width], sq = new double[width], nz = new double[width], ls = new double[width];
            for (int j = 0; j < width; j++)
            {
                for (int i = 0; i < units.Length; i++)
                {
                    double f = s.EdgeValue(l, j, units[i]);
                    c[j] += count[i];
                    sq[j] += squares[i] * f * f;
                    if (f != 0)
                    {
                        nz[j] += nonZero[i];
                        ls[j] += logSum[i] + nonZero[i] * Math.Log10(Math.Abs(f));
                    }
                }
            }

            (count, squares, nonZero, logSum) = (c, sq, nz, ls);
            units = Enumerable.Range(0, width).ToArray();
            double paths = count.Sum(), nonZeroPaths = nonZero.Sum();
            var logs = sampled[l - from - 1];
            depths.Add(new DepthSpread(l, paths, squares.Sum(), nonZeroPaths == 0 ? double.NegativeInfinity : logSum.Sum() / nonZeroPaths,
                1 - (nonZeroPaths / paths), Percentile(logs, 0.1), Percentile(logs, 0.5), Percentile(logs, 0.9)));
        }

        return new PathSpread(depths, samples);
    }

    // log10|p| of random paths at each depth (all depths of one path from one walk), zero products left out.
    private static List<double>[] Sample(NetworkState s, int from, int unit, int samples)
    {
        var logs = Enumerable.Range(0, s.Depth - from).Select(_ => new List<double>(samples)).ToArray();
        var random = new Random(20240607);
        for (int n = 0; n < samples; n++)
        {
            double log = 0;
            int k = unit;
            for (int l = from + 1; l <= s.Depth; l++)
            {
                int j = random.Next(s.Layers[l - 1].OutputSize);
                log += Math.Log10(Math.Abs(s.EdgeValue(l, j, k)));
                k = j;
                if (double.IsFinite(log))
                {
                    logs[l - from - 1].Add(log);
                }
            }
        }

        return logs;
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NegativeInfinity;
        }

        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(q * (sorted.Count - 1))];
    }
}
