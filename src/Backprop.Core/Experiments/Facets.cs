using System.Globalization;

namespace Backprop.Core.Experiments;

/// <summary>An axis a view averages over, with how many values it takes there.</summary>
public sealed record AveragedAxis(string Field, int Values)
{
    public override string ToString() => $"{Field} ({Values} values)";
}

/// <summary>
/// The items of one facet of a sweep: those that share <see cref="Values"/>, the values of the axes the view is split
/// by; within it, the view averages over <see cref="Averaged"/> (and over whatever it places itself, such as seeds).
/// </summary>
public sealed record Facet<T>(IReadOnlyList<KeyValuePair<string, string>> Values, IReadOnlyList<AveragedAxis> Averaged, IReadOnlyList<T> Items)
{
    /// <summary>"learning_rate=0.5, optimizer=adam" (with <paramref name="equals"/> between name and value); empty for the whole sweep.</summary>
    public string Label(string equals = "=") => string.Join(", ", Values.Select(v => v.Key + equals + v.Value));
}

/// <summary>
/// Splits trials into the facets a view draws separately. A view places some axes itself (an error-ratio table places
/// depth and sigma_w2, and averages over seeds); every other axis the trials vary along is split by, in the order of
/// <see cref="TrialConfig.Fields"/>, while the facets number at most <see cref="MaxFacets"/>; any axis beyond that is
/// averaged over and named in each facet's <see cref="Facet{T}.Averaged"/>, for the view to say so.
/// </summary>
public static class Facets
{
    /// <summary>The most facets a view is split into: a grid over a few learning rates or widths is split; a random axis of 100 draws is averaged.</summary>
    public const int MaxFacets = 12;

    public static IReadOnlyList<Facet<T>> Split<T>(IReadOnlyList<T> items, Func<T, TrialConfig> config, IReadOnlySet<string> placed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(placed);
        if (items.Count == 0)
        {
            return [];
        }
        var fields = items.Select(i => config(i).Fields()).ToArray();
        var split = new List<int>();
        var averaged = new List<AveragedAxis>();
        long facets = 1;
        for (int f = 0; f < fields[0].Count; f++)
        {
            string name = fields[0][f].Key;
            int values = fields.Select(v => v[f].Value).Distinct(StringComparer.Ordinal).Count();
            if (values < 2 || placed.Contains(name))
            {
                continue;
            }
            if (facets * values <= MaxFacets)
            {
                split.Add(f);
                facets *= values;
            }
            else
            {
                averaged.Add(new AveragedAxis(name, values));
            }
        }
        return Enumerable.Range(0, items.Count)
            .GroupBy(i => string.Join('\n', split.Select(f => fields[i][f].Value)), StringComparer.Ordinal)
            .Select(g => new Facet<T>(split.Select(f => fields[g.First()][f]).ToArray(), averaged, g.Select(i => items[i]).ToArray()))
            .Order(Comparer<Facet<T>>.Create((a, b) => CompareValues(a.Values, b.Values)))
            .ToArray();
    }

    /// <summary>Axis by axis: numerically where both values are numbers (so 2 comes before 10), else ordinally.</summary>
    private static int CompareValues(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b)
    {
        for (int i = 0; i < a.Count; i++)
        {
            string x = a[i].Value, y = b[i].Value;
            int c = double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out double u)
                && double.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                ? u.CompareTo(v) : string.CompareOrdinal(x, y);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }
}
