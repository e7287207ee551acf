using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The data behind a phase-diagram panel: one value per (depth, sigma_w^2) cell, the mean over the cell's trials
/// (seeds) of a per-trial quantity, NaN where no trial gives a finite value. Rows are depths, columns sigma_w^2,
/// both ascending.
/// </summary>
public sealed class PhaseGrid
{
    private PhaseGrid(IReadOnlyList<double> sw2, IReadOnlyList<int> depths, double[,] values, int[,] counts)
    {
        Sw2 = sw2;
        Depths = depths;
        Values = values;
        Counts = counts;
    }

    public IReadOnlyList<double> Sw2 { get; }
    public IReadOnlyList<int> Depths { get; }

    /// <summary>[depth index, sigma_w^2 index].</summary>
    public double[,] Values { get; }

    /// <summary>How many trials gave a finite value in each cell.</summary>
    public int[,] Counts { get; }

    public static PhaseGrid Build(IReadOnlyList<TrialResult> trials, Func<TrialResult, double?> value)
    {
        double[] sw2 = trials.Select(t => t.Config.SigmaW2).Distinct().Order().ToArray();
        int[] depths = trials.Select(t => t.Config.Depth).Distinct().Order().ToArray();
        var sums = new double[depths.Length, sw2.Length];
        var counts = new int[depths.Length, sw2.Length];
        foreach (TrialResult t in trials)
        {
            if (value(t) is double v && double.IsFinite(v))
            {
                int r = Array.BinarySearch(depths, t.Config.Depth), c = Array.BinarySearch(sw2, t.Config.SigmaW2);
                sums[r, c] += v;
                counts[r, c]++;
            }
        }
        var values = new double[depths.Length, sw2.Length];
        for (int r = 0; r < depths.Length; r++)
        {
            for (int c = 0; c < sw2.Length; c++)
            {
                values[r, c] = counts[r, c] > 0 ? sums[r, c] / counts[r, c] : double.NaN;
            }
        }
        return new PhaseGrid(sw2, depths, values, counts);
    }

    /// <summary>log10 |delta_1| / |delta_L| at initialisation: the back-propagated error (not offset by the forward signal).</summary>
    public static double? LogDeltaRatioInit(TrialResult t) => Log10(t.Summary?.DeltaRatioInit);

    /// <summary>log10 |delta_1| / |delta_L| at the last recorded step.</summary>
    public static double? LogDeltaRatioFinal(TrialResult t) => Log10(t.Summary?.DeltaRatioFinal);

    /// <summary>log10 ||dJ/dW_1|| / ||dJ/dW_L|| at initialisation: the weight gradient, which the forward signal offsets.</summary>
    public static double? LogWeightRatioInit(TrialResult t) => Log10(t.Summary?.FirstLastRatioInit);

    private static double? Log10(double? ratio) => ratio is double r && r > 0 && double.IsFinite(r) ? Math.Log10(r) : null;

    /// <summary>The values of one depth row, ascending in sigma_w^2.</summary>
    public double[] Row(int depthIndex) => Enumerable.Range(0, Sw2.Count).Select(c => Values[depthIndex, c]).ToArray();

    /// <summary>All finite cell values (for the colour range).</summary>
    public IEnumerable<double> FiniteValues() => Values.Cast<double>().Where(double.IsFinite);

    /// <summary>
    /// Where the row of <paramref name="depthIndex"/> crosses 0 going up in sigma_w^2, interpolated linearly in ln sigma_w^2
    /// between the two bracketing cells; null when it does not cross.
    /// </summary>
    public double? CrossingAt(int depthIndex) => Crossing.Upward(Sw2, Row(depthIndex));
}
