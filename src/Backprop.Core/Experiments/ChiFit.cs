namespace Backprop.Core.Experiments;

/// <summary>
/// Fits the per-layer growth of the back-propagated error: ln E||delta_l||^2 = c + s (L - l), so s is the
/// measured ln chi1 (Schoenholz et al. 2017: E||delta_l||^2 ~ chi1^(L - l)).
/// </summary>
public static class ChiFit
{
    /// <summary>
    /// Least-squares slope over hidden layers <paramref name="from"/>..<paramref name="to"/> (1-based, inclusive)
    /// of <paramref name="deltaSq"/> (indexed 0-based by layer - 1); null when fewer than two layers are
    /// usable (non-positive or non-finite values end the usable range: the signal vanished or overflowed).
    /// </summary>
    public static double? LogSlope(IReadOnlyList<double> deltaSq, int from, int to)
    {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = 0;
        for (int l = from; l <= to; l++)
        {
            double v = deltaSq[l - 1];
            if (!(v > 0) || !double.IsFinite(v))
            {
                return null;
            }
            double x = to - l;
            double y = Math.Log(v);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            n++;
        }
        if (n < 2)
        {
            return null;
        }
        double denominator = n * sxx - sx * sx;
        return (n * sxy - sx * sy) / denominator;
    }

    /// <summary>
    /// The first hidden layer of the default fit: skip a quarter of the layers (at most 5) while the
    /// pre-activation variance q^l settles towards its fixed point.
    /// </summary>
    public static int DefaultFrom(int depth) => 1 + Math.Min(5, depth / 4);
}
