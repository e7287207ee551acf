using System.Globalization;
using System.Text;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Commands;

/// <summary>Text views of sweep results: one line per trial, and per activation a depth x scale table of gradient ratios.</summary>
internal static class SweepTable
{
    public static string Describe(TrialResult r)
    {
        var b = new StringBuilder(r.Config.Label()).Append(": ").Append(r.Outcome);
        if (r.DivergedAtStep is int step)
        {
            b.Append(CultureInfo.InvariantCulture, $" at step {step}");
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
    /// Per activation: rows are weight scales (sigma_w^2 or the initialiser), columns depths, cells the geometric
    /// mean over seeds of the back-propagated error ratio ||delta_1|| / ||delta_L|| at initialisation: far below 1
    /// vanishing, far above exploding. (The weight-gradient ratio is in summary.csv; see TrialSummary for why it
    /// can stay near 1 while the error vanishes.)
    /// </summary>
    public static void Write(TextWriter o, IReadOnlyList<TrialResult> results)
    {
        int ok = results.Count(r => r.Outcome == Outcomes.Ok), vanished = results.Count(r => r.Outcome == Outcomes.Vanished);
        int diverged = results.Count(r => r.Outcome == Outcomes.Diverged), failed = results.Count(r => r.Outcome == Outcomes.Failed);
        o.WriteLine();
        o.WriteLine($"{results.Count} trials: {ok} ok, {vanished} vanished, {diverged} diverged, {failed} failed");
        foreach (var byActivation in results.Where(r => r.Summary is not null).GroupBy(r => r.Config.ParsedActivation.ToString()))
        {
            int[] depths = byActivation.Select(r => r.Config.Depth).Distinct().Order().ToArray();
            o.WriteLine();
            o.WriteLine($"{byActivation.Key}: back-propagated error ratio |delta_1| / |delta_L| at initialisation (<< 1 vanishing, >> 1 exploding)");
            var header = new StringBuilder($"{"scale",-16}");
            foreach (int d in depths)
            {
                header.Append($"{"L=" + d,10}");
            }
            o.WriteLine(header.ToString());
            foreach (var byScale in byActivation.GroupBy(Scale).OrderBy(g => g.Key, StringComparer.Ordinal))
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
    }

    private static string Scale(TrialResult r) => r.Config.ParsedInit == Core.Networks.InitializerKind.Gaussian
        ? "sw2=" + r.Config.SigmaW2.ToString("0.###", CultureInfo.InvariantCulture)
        : r.Config.Init;
}
