using System.Globalization;
using System.Text;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// Text views of sweep results: one line per trial, and per activation (and per value of any other swept axis) a
/// depth x scale table of the back-propagated error ratio, under the counts of outcomes and regimes.
/// </summary>
internal static class SweepTable
{
    /// <summary>The axes a table places itself: activation (its sections), depth (columns), scale (rows), seed (averaged).</summary>
    private static readonly IReadOnlySet<string> Placed = new HashSet<string>(StringComparer.Ordinal) { "activation", "depth", "sigma_w2", "init", "seed" };

    /// <summary>
    /// One trial: its label (naming every axis in <paramref name="axes"/>, the fields its sweep varies), how it ended, its
    /// regime at initialisation and the measurements behind it.
    /// </summary>
    public static string Describe(TrialResult r, IEnumerable<string> axes)
    {
        var b = new StringBuilder(r.Config.Label(axes)).Append(": ").Append(ResultFormat.Name(r.Outcome));
        if (r.DivergedAtStep is int step)
        {
            b.Append(CultureInfo.InvariantCulture, $" at step {step}");
        }
        if (r.Regime is FlowRegime regime)
        {
            b.Append(", ").Append(ResultFormat.Name(regime)).Append(" at initialisation");
        }
        if (r.Summary is TrialSummary s)
        {
            b.Append(CultureInfo.InvariantCulture, $", |delta1|/|deltaL| = {s.DeltaRatioInit:0.##e+0}, |dW1|/|dWL| = {s.FirstLastRatioInit:0.##e+0}");
            if (s.LogSlopeMeasured is double m)
            {
                b.Append(CultureInfo.InvariantCulture, $", chi1 measured {Math.Exp(m):0.###}");
                if (s.LogSlopePredicted is double p)
                {
                    b.Append(CultureInfo.InvariantCulture, $" predicted {Math.Exp(p):0.###}");
                }
            }
            b.Append(CultureInfo.InvariantCulture, $", final loss {r.FinalLoss:G4}");
        }
        if (r.Error is string error)
        {
            b.Append(": ").Append(error);
        }
        return b.Append(CultureInfo.InvariantCulture, $" ({r.Seconds:0.0} s)").ToString();
    }

    /// <summary>
    /// The counts (<see cref="ResultCounts"/>), then per activation and facet (<see cref="Facets"/>: one table per value of
    /// each other swept axis, such as the learning rate) a table whose rows are weight scales (sigma_w^2 or the
    /// initialiser), columns depths, and cells the back-propagated error ratio ||delta_1|| / ||delta_L|| at
    /// initialisation, a geometric mean where a cell holds several trials (seeds, and any axis too many-valued to split
    /// by, which the table names). The regime thresholds are in each title, so the cells and the counts agree. (The
    /// weight-gradient ratio is in summary.csv; see TrialSummary for why it can stay near 1 while the error vanishes.)
    /// </summary>
    public static void Write(TextWriter o, IReadOnlyList<TrialResult> results)
    {
        o.WriteLine();
        o.WriteLine(ResultCounts.Of(results).Describe());
        foreach (var byActivation in results.Where(r => r.Summary is not null).GroupBy(r => SweepAxes.Value(r.Config, "activation"), StringComparer.Ordinal))
        {
            foreach (Facet<TrialResult> facet in Facets.Split(byActivation.ToArray(), r => r.Config, Placed))
            {
                o.WriteLine();
                string name = facet.Values.Count == 0 ? byActivation.Key : $"{byActivation.Key}, {facet.Label()}";
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: back-propagated error ratio |delta_1| / |delta_L| at initialisation (< {FlowRegimes.VanishBelow} vanishing, > {FlowRegimes.ExplodeAbove} exploding)"));
                WriteTable(o, facet);
            }
        }
    }

    private static void WriteTable(TextWriter o, Facet<TrialResult> facet)
    {
        int[] depths = facet.Items.Select(r => r.Config.Depth).Distinct().Order().ToArray();
        var cells = facet.Items.GroupBy(r => (Scale(r), r.Config.Depth)).ToArray();
        bool seeds = cells.Any(c => c.Select(r => r.Config.Seed).Distinct().Count() > 1);
        if (facet.Averaged.Count > 0 || seeds)
        {
            var over = facet.Averaged.Select(a => a.ToString()).Concat(seeds ? ["seeds"] : []);
            o.WriteLine($"(each cell: geometric mean over {string.Join(" and ", over)})");
        }
        var header = new StringBuilder($"{"scale",-16}");
        foreach (int d in depths)
        {
            header.Append($"{"L=" + d,10}");
        }
        o.WriteLine(header.ToString());
        foreach (var byScale in facet.Items.GroupBy(Scale).OrderBy(g => g.First().Config.ParsedInit != Core.Networks.InitializerKind.Gaussian).ThenBy(g => g.First().Config.SigmaW2).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var row = new StringBuilder($"{byScale.Key,-16}");
            foreach (int d in depths)
            {
                double[] logs = byScale.Where(r => r.Config.Depth == d).Select(r => Math.Log10(r.Summary!.DeltaRatioInit)).ToArray();
                string cell = logs.Length == 0 ? "" : logs.Any(double.IsNaN) ? "NaN"
                    : logs.Average() is double mean && double.IsFinite(mean) ? Math.Pow(10, mean).ToString("0.0e+0", CultureInfo.InvariantCulture)
                    : logs.Average() > 0 ? "inf" : "0";
                row.Append($"{cell,10}");
            }
            o.WriteLine(row.ToString());
        }
    }

    /// <summary>The row of a trial: "sw2=" and the exact sigma_w^2 (rounding would merge rows), or the initialiser's name.</summary>
    private static string Scale(TrialResult r) => r.Config.ParsedInit == Core.Networks.InitializerKind.Gaussian
        ? "sw2=" + SweepAxes.Value(r.Config, "sigma_w2")
        : r.Config.Init;
}
