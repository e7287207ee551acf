namespace Backprop.Core.Tests.Theory;

/// <summary>
/// Independent references for the theory tests: brute-force composite Simpson on a fine grid (no shared code with the
/// graded Gauss-Legendre rule under test), and the fixed point by plain iteration of the map.
/// </summary>
internal static class Reference
{
    /// <summary>E[f(scale z)] by Simpson's rule with h = 1e-4 on [-14, 0] and [0, 14] (0 is a grid point, so kinks at 0 cost nothing).</summary>
    public static double Expectation(Func<double, double> f, double scale)
    {
        const int n = 140_000;
        const double h = 14.0 / n;
        double sum = 0;
        foreach (int side in new[] { -1, 1 })
        {
            for (int i = 0; i <= n; i++)
            {
                // The kink is at 0: evaluate just inside this side so f'(0+-) is the one-sided value.
                double z = side * Math.Max(i * h, 1e-300);
                double weight = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                sum += weight * f(scale * z) * Math.Exp(-0.5 * z * z);
            }
        }
        return sum * h / 3 / Math.Sqrt(2 * Math.PI);
    }

    /// <summary>q* by iterating q := sw2 E[phi(sqrt(q) z)^2] + sb2 from q = 1 (fine where the map contracts at q*).</summary>
    public static double FixedPointByIteration(Func<double, double> phi, double sw2, double sb2, int iterations)
    {
        double q = 1;
        for (int t = 0; t < iterations; t++)
        {
            q = sw2 * Expectation(u => phi(u) * phi(u), Math.Sqrt(q)) + sb2;
        }
        return q;
    }
}
