using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using Backprop.Lab.Web.Folders;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// Everything the sweep view draws, for the trials that pass a filter: the swept axes with their values (for the
/// filters), one row per trial, one <see cref="GroupView"/> per phase-diagram group, the colour ranges shared by
/// every panel of a comparison, the architectures section when the sweep varies an architecture field, and the claims section of a reproduction's folder. Computed by the report's analysis on the server (and for the export), never in the page.
/// </summary>
/// <param name="PhaseRange">The phase diagrams' colour scale is log10 ratio in [-PhaseRange, PhaseRange] for every
/// panel of every group: a whole number of decades, at least 1, reaching the largest |log10 ratio| of the sweep (at most 8).</param>
/// <param name="LossRange">The trainability maps' colour scale [min, max] (log10 loss when <see cref="LossLog"/>) for
/// every group: the sweep's finite values, widened to at least one decade (or 1 on a linear loss), so small differences
/// are small differences in colour.</param>
public sealed record SweepView(
    string Id,
    string Name,
    long Version,
    string? SweepText,
    string Counts,
    IReadOnlyList<AxisValues> Axes,
    IReadOnlyDictionary<string, string[]> Filter,
    int TrialsTotal,
    IReadOnlyList<TrialRow> Trials,
    IReadOnlyList<GroupView> Groups,
    double PhaseRange,
    double[] LossRange,
    bool LossLog,
    ArchitectureView? Architectures,
    ClaimsView? Claims,
    IReadOnlyList<string> Skipped)
{
    public const double MaxPhaseRange = 8;

    public static SweepView Of(SweepSnapshot snapshot, IReadOnlyDictionary<string, string[]>? filter = null)
    {
        IReadOnlyList<TrialResult> all = snapshot.Trials;
        IReadOnlyList<string> varying = SweepAxes.Varying(all.Select(t => t.Config));
        var axes = varying.Select(a => new AxisValues(a, Distinct(all, a))).ToArray();
        // Only axes the sweep varies filter, and only by values it has.
        var applied = (filter ?? new Dictionary<string, string[]>()).Where(f => varying.Contains(f.Key) && f.Value.Length > 0)
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var trials = all.Where(t => applied.All(f => f.Value.Contains(SweepAxes.Value(t.Config, f.Key), StringComparer.Ordinal))).ToArray();

        IReadOnlyList<ActivationGroup> groups = ActivationGroup.From(trials);
        var views = groups.Where(g => g.Trials.Count > 0).Select(GroupView.Of).ToArray();
        double largest = views.SelectMany(g => g.Panels).SelectMany(p => p.Log10).SelectMany(r => r).OfType<double>().Select(Math.Abs).DefaultIfEmpty(1).Max();
        double phaseRange = Math.Clamp(Math.Ceiling(largest), 1, MaxPhaseRange);
        bool lossLog = views.All(g => g.Trainability.Log);
        double[] losses = views.SelectMany(g => g.Trainability.Values).SelectMany(r => r).OfType<double>().ToArray();
        double lo = losses.DefaultIfEmpty(0).Min(), hi = losses.DefaultIfEmpty(1).Max();
        double span = lossLog ? 1 : Math.Max(1, Math.Abs(lo) * 0.1);
        if (hi - lo < span)
        {
            double mid = (hi + lo) / 2;
            (lo, hi) = (mid - span / 2, mid + span / 2);
        }
        var skipped = snapshot.Unreadable.Concat(groups.SelectMany(g => g.Excluded).Select(s => $"{s.What}: {s.Why}")).ToArray();
        return new SweepView(snapshot.Id, snapshot.Name, snapshot.Version, snapshot.SweepText, ResultCounts.Of(trials).Describe(), axes, applied,
            all.Count, trials.Select(t => TrialRow.Of(t, varying)).ToArray(), views, phaseRange, [lo, hi], lossLog, ArchitectureView.Of(varying, trials),
            ClaimsView.Of(snapshot.SweepText, all), skipped);
    }

    /// <summary>The values of an axis in the trials, numbers in numeric order.</summary>
    private static string[] Distinct(IReadOnlyList<TrialResult> trials, string axis)
    {
        var values = trials.Select(t => SweepAxes.Value(t.Config, axis)).Distinct(StringComparer.Ordinal).ToArray();
        return values.All(v => double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out _))
            ? values.OrderBy(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : values.Order(StringComparer.Ordinal).ToArray();
    }
}

/// <summary>A swept axis and its values, in order.</summary>
public sealed record AxisValues(string Name, IReadOnlyList<string> Values);

/// <summary>A served folder in the list of sweeps.</summary>
/// <param name="Claims">For a reproduction's folder, how many of its claims pass ("5 of 5 claims pass"); null otherwise.</param>
public sealed record SweepSummary(string Id, string Name, long Version, int Trials, string Counts, string? Claims = null)
{
    public static SweepSummary Of(SweepSnapshot s) => new(s.Id, s.Name, s.Version, s.Trials.Count, ResultCounts.Of(s.Trials).Describe(),
        ClaimsView.Of(s.SweepText, s.Trials) is ClaimsView c ? $"{c.Passed} of {c.Claims.Count} claims pass" : null);
}
