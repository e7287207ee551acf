using System.Globalization;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The sentence a reader takes away for one activation: at the deepest swept depth, the sigma_w^2 where the
/// back-propagated error vanishes (|delta_1|/|delta_L| &lt; 0.1) and where it explodes (&gt; 10); the measured critical
/// sigma_w^2 (where the measured ln chi1, the slope of ln E||delta_l||^2, crosses 0) beside the mean-field prediction
/// for the same layers and the mean-field critical line at q*. The finite-depth and q* values differ where q^l has not
/// settled (tanh at sigma_b = 0 approaches q* = 0 only like 1/l), and the report says both.
/// </summary>
public sealed record ActivationFindings(
    string Activation,
    double SigmaB,
    int Trials,
    int? Depth,
    IReadOnlyList<double> VanishingSw2,
    IReadOnlyList<double> ExplodingSw2,
    int? CrossingDepth,
    double? MeasuredCriticalSw2,
    double? PredictedCriticalSw2,
    double? CriticalLineSw2)
{
    /// <summary>The group's <see cref="ActivationGroup.AveragingNote"/>: the axes its cells average over besides seeds.</summary>
    public string AveragingNote { get; init; } = "";

    /// <summary>The thresholds of the trials' regimes (<see cref="FlowRegimes"/>), so the sentence and the counts agree.</summary>
    public const double VanishBelow = FlowRegimes.VanishBelow, ExplodeAbove = FlowRegimes.ExplodeAbove;

    public static ActivationFindings Of(ActivationGroup group)
    {
        if (group.Trials.Count == 0)
        {
            return new ActivationFindings(group.Name, group.SigmaB, 0, null, [], [], null, null, null, TheoryCurves.CriticalSw2(group));
        }
        PhaseGrid ratio = PhaseGrid.Build(group.Trials, PhaseGrid.LogDeltaRatioInit);
        PhaseGrid measured = PhaseGrid.Build(group.Trials, t => t.Summary?.LogSlopeMeasured);
        PhaseGrid predicted = PhaseGrid.Build(group.Trials, t => t.Summary?.LogSlopePredicted);
        int deepest = ratio.Depths.Count - 1;
        double[] row = ratio.Row(deepest);
        var vanishing = ratio.Sw2.Where((_, c) => row[c] < Math.Log10(VanishBelow)).ToArray();
        var exploding = ratio.Sw2.Where((_, c) => row[c] > Math.Log10(ExplodeAbove)).ToArray();

        // The deepest depth whose measured slope changes sign: deeper networks locate the boundary more sharply.
        int? crossingDepth = null;
        double? measuredCritical = null, predictedCritical = null;
        for (int r = measured.Depths.Count - 1; r >= 0; r--)
        {
            if (measured.CrossingAt(r) is double m)
            {
                crossingDepth = measured.Depths[r];
                measuredCritical = m;
                predictedCritical = predicted.CrossingAt(r);
                break;
            }
        }
        return new ActivationFindings(group.Name, group.SigmaB, group.Trials.Count, ratio.Depths[deepest], vanishing, exploding,
            crossingDepth, measuredCritical, predictedCritical, TheoryCurves.CriticalSw2(group)) { AveragingNote = group.AveragingNote };
    }

    public string Sentence()
    {
        var s = new System.Text.StringBuilder();
        s.Append(Invariant($"{Activation} (σ_b = {SigmaB:G3}, {Trials} trials): "));
        if (Depth is not int depth)
        {
            return s.Append("no trial with measurements.").ToString();
        }
        s.Append(Invariant($"at depth L = {depth} the back-propagated error |δ₁|/|δ_L| at initialisation "));
        s.Append(VanishingSw2.Count > 0 ? $"vanishes (< {VanishBelow:G2}) for σ_w² ≤ {Fmt(VanishingSw2.Max())}" : $"never falls below {VanishBelow:G2}");
        s.Append(" and ");
        s.Append(ExplodingSw2.Count > 0 ? $"explodes (> {ExplodeAbove:G2}) for σ_w² ≥ {Fmt(ExplodingSw2.Min())}" : $"never exceeds {ExplodeAbove:G2}");
        s.Append(". ");
        if (MeasuredCriticalSw2 is double m)
        {
            s.Append(Invariant($"Measured critical σ_w² (where the measured ln χ₁ crosses 0, L = {CrossingDepth}): {Fmt(m)}"));
            s.Append(PredictedCriticalSw2 is double p ? $"; mean-field theory for the same layers: {Fmt(p)}" : "");
        }
        else
        {
            s.Append("The measured ln χ₁ does not change sign over the swept σ_w², so the boundary is outside the sweep");
        }
        s.Append(CriticalLineSw2 is double c ? Invariant($"; mean-field critical line χ₁(q*) = 1 at σ_b² = {SigmaB * SigmaB:G3}: σ_w² = {Fmt(c)}.") : "; theory finds no critical σ_w².");
        return s.Append(AveragingNote).ToString();
    }

    private static string Fmt(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
