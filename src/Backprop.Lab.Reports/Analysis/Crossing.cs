namespace Backprop.Lab.Reports.Analysis;

/// <summary>Locating where a measured quantity changes sign along sigma_w^2: the measured order/chaos boundary.</summary>
public static class Crossing
{
    /// <summary>
    /// The first x where y goes from below 0 to 0 or above, interpolated linearly in ln x (sweeps space sigma_w^2
    /// geometrically, and ln chi1 is close to linear in ln sigma_w^2 near the boundary); NaN entries are skipped.
    /// </summary>
    public static double? Upward(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        var points = xs.Zip(ys).Where(p => double.IsFinite(p.Second) && p.First > 0).ToArray();
        for (int i = 0; i + 1 < points.Length; i++)
        {
            var (x0, y0) = points[i];
            var (x1, y1) = points[i + 1];
            if (y0 < 0 && y1 >= 0)
            {
                double t = y0 / (y0 - y1);
                return Math.Exp(Math.Log(x0) + t * (Math.Log(x1) - Math.Log(x0)));
            }
        }
        return null;
    }
}
