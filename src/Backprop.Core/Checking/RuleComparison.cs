using Backprop.Core.Randomness;

namespace Backprop.Core.Checking;

/// <summary>The outcome of checking one backward rule on its own: its worst relative error and, if it is off by a constant, the factor.</summary>
internal sealed record RuleOutcome(bool Passed, double RelativeError, double? Factor);

/// <summary>
/// Checks an analytic gradient of a local function against central differences along a few random unit
/// directions u: &lt;a, u&gt; against (s(p + h u) - s(p - h u)) / 2h. Three directions make a chance agreement of a
/// wrong rule practically impossible; when the ratios a.u / n agree, the rule is off by that constant factor.
/// </summary>
internal static class RuleComparison
{
    private const int Directions = 3;

    public static RuleOutcome Compare(double[] analytic, double[] point, Func<double[], (double Value, sbyte[] Sides)> s, double h, ulong seed)
    {
        var rng = new Rng(seed);
        var (center, sidesCenter) = s(point);
        double floor = ErrorBands.NoiseFloor(center, h);
        double worst = 0;
        bool passed = true;
        var ratios = new List<double>();
        var moved = new double[point.Length];
        for (int trial = 0; trial < Directions; trial++)
        {
            double[] u = UnitDirection(rng, point.Length);
            for (int i = 0; i < point.Length; i++)
            {
                moved[i] = point[i] + h * u[i];
            }
            var (plus, sidesPlus) = s(moved);
            for (int i = 0; i < point.Length; i++)
            {
                moved[i] = point[i] - h * u[i];
            }
            var (minus, sidesMinus) = s(moved);
            Difference d = Difference.From(plus, center, minus, h, h, sidesPlus, sidesCenter, sidesMinus);
            double a = Dot(analytic, u);
            var (relative, _, verdict) = d.Judge(a, floor);
            if (verdict is EntryVerdict.Fail or EntryVerdict.Suspicious)
            {
                passed = false;
                worst = Math.Max(worst, relative);
            }
            if (!d.KinkCrossed && Math.Abs(d.Numeric) > 10 * floor)
            {
                ratios.Add(a / d.Numeric);
            }
        }
        return new RuleOutcome(passed, worst, passed ? null : ConstantFactor(ratios));
    }

    /// <summary>The common value of the ratios when they agree to 1e-4 (a wrong constant, like a missing 2); otherwise null.</summary>
    public static double? ConstantFactor(IReadOnlyList<double> ratios)
    {
        if (ratios.Count < 2)
        {
            return null;
        }
        double mean = ratios.Average();
        return ratios.All(r => Math.Abs(r - mean) <= 1e-4 * Math.Abs(mean)) && Math.Abs(mean) > 1e-12 ? mean : null;
    }

    /// <summary>Whether two arrays agree to rounding: max |x - y| &lt;= 1e-9 max(|y|, tiny).</summary>
    public static bool Same(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            return false;
        }
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < x.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(y[i]));
            diff = Math.Max(diff, Math.Abs(x[i] - y[i]));
        }
        return diff <= 1e-9 * Math.Max(scale, 1e-300);
    }

    private static double[] UnitDirection(Rng rng, int length)
    {
        var u = new double[length];
        double norm = 0;
        for (int i = 0; i < length; i++)
        {
            u[i] = rng.NextNormal();
            norm += u[i] * u[i];
        }
        norm = Math.Sqrt(norm);
        for (int i = 0; i < length; i++)
        {
            u[i] /= norm;
        }
        return u;
    }

    private static double Dot(double[] x, double[] y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }
        return s;
    }
}
