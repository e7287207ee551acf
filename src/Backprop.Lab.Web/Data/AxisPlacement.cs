namespace Backprop.Lab.Web.Data;

/// <summary>
/// Where a heatmap places the swept values of one axis. Evenly spaced values (depths 4, 8, 12, 16) sit on a linear
/// axis at their own values, so the axis reads as numbers; any other grid (depths 4, 8, 16, 32, or sigma_w^2 spaced
/// geometrically) sits at 0, 1, 2, ... with the values as tick labels, so every row and column has the same size and
/// none overlaps. A theory curve is placed on the same axis by interpolating in the axis's own terms: linearly on a
/// linear axis, in ln(value) between neighbouring grid values otherwise.
/// </summary>
public sealed record AxisPlacement(IReadOnlyList<double> Values, bool Linear, IReadOnlyList<double> Positions, double RangeMin, double RangeMax)
{
    public static AxisPlacement Of(IReadOnlyList<double> sorted)
    {
        bool linear = sorted.Count <= 1 || IsEvenlySpaced(sorted);
        double[] positions = linear ? sorted.ToArray() : Enumerable.Range(0, sorted.Count).Select(i => (double)i).ToArray();
        double half = positions.Length switch
        {
            0 => 0.5,
            1 => Math.Max(0.5, Math.Abs(positions[0]) * 0.1),
            _ => (positions[1] - positions[0]) / 2,
        };
        return new AxisPlacement(sorted, linear, positions, positions.DefaultIfEmpty(0).First() - half, positions.DefaultIfEmpty(0).Last() + half);
    }

    /// <summary>The smallest and largest value the axis shows (half a cell beyond the outer grid values), in value terms.</summary>
    public (double Min, double Max) ValueRange() => (Value(RangeMin), Value(RangeMax));

    /// <summary>The position of <paramref name="value"/> on this axis; NaN when it cannot be placed (non-positive on a log grid).</summary>
    public double Position(double value)
    {
        if (Linear || Values.Count < 2)
        {
            return Linear ? value : double.NaN;
        }
        if (!(value > 0))
        {
            return double.NaN;
        }
        double x = Math.Log(value);
        int i = 0;
        while (i < Values.Count - 2 && x > Math.Log(Values[i + 1]))
        {
            i++;
        }
        double x0 = Math.Log(Values[i]), x1 = Math.Log(Values[i + 1]);
        return i + (x - x0) / (x1 - x0);
    }

    /// <summary>The value at <paramref name="position"/>: the inverse of <see cref="Position"/>.</summary>
    public double Value(double position)
    {
        if (Linear || Values.Count < 2)
        {
            return Linear ? position : Values.DefaultIfEmpty(1).First();
        }
        int i = Math.Clamp((int)Math.Floor(position), 0, Values.Count - 2);
        double x0 = Math.Log(Values[i]), x1 = Math.Log(Values[i + 1]);
        return Math.Exp(x0 + (position - i) * (x1 - x0));
    }

    private static bool IsEvenlySpaced(IReadOnlyList<double> v)
    {
        double step = v[1] - v[0];
        return step > 0 && Enumerable.Range(1, v.Count - 1).All(i => Math.Abs(v[i] - v[i - 1] - step) <= 1e-9 * Math.Max(1, Math.Abs(step)));
    }
}
