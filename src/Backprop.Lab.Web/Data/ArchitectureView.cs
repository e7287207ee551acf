using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// The sweep view's architectures section, for a sweep that varies an architecture field: per panel (an activation and
/// sigma_w^2) and line (an architecture) of <see cref="ShapeComparison"/>, the error ratio |delta_1|/|delta_L| at
/// initialisation and the Jacobian's mean squared singular value (with its mean-field prediction) against depth, as the
/// median over a depth's trials, and every trial as a point for hovering. The lines are the whole sweep's, the trials
/// those the filter keeps.
/// </summary>
/// <param name="Compared">The architecture fields the lines differ in.</param>
/// <param name="HasJacobian">Whether any trial shown measured its Jacobian.</param>
public sealed record ArchitectureView(IReadOnlyList<string> Compared, string AveragingNote, bool HasJacobian, IReadOnlyList<ArchitecturePanelView> Panels)
{
    /// <summary>The section for the trials shown, or null when the sweep's <paramref name="varying"/> axes (every trial's) include no architecture field.</summary>
    public static ArchitectureView? Of(IReadOnlyList<string> varying, IReadOnlyList<TrialResult> shown)
    {
        if (!ShapeComparison.VariesArchitecture(varying))
        {
            return null;
        }
        ShapeComparison comparison = ShapeComparison.Of(shown, varying);
        return new ArchitectureView(comparison.Compared, comparison.AveragingNote, shown.Any(t => t.Summary?.JacobianInit is not null),
            comparison.Panels.Select(p => new ArchitecturePanelView(p.Title, p.Activation, p.SigmaW2, p.Lines.Select(ArchitectureLineView.Of).ToArray())).ToArray());
    }
}

public sealed record ArchitecturePanelView(string Title, string Activation, double? SigmaW2, IReadOnlyList<ArchitectureLineView> Lines);

/// <param name="Ratio">Median |delta_1|/|delta_L| at initialisation by depth.</param>
/// <param name="Jacobian">Median (1/N)||J||_F^2 at initialisation by depth.</param>
/// <param name="Theory">Median mean-field (1/N)||J||_F^2 by depth, over the trials that measured J.</param>
/// <param name="Points">Every trial of the line.</param>
public sealed record ArchitectureLineView(string Label, SeriesView Ratio, SeriesView Jacobian, SeriesView Theory, PointsView Points)
{
    public static ArchitectureLineView Of(ShapeLine line)
    {
        var trials = line.Trials.OrderBy(t => t.Config.Depth).ThenBy(t => t.Key, StringComparer.Ordinal).ToArray();
        return new ArchitectureLineView(line.Label,
            SeriesView.Of(line.Medians(t => t.Summary!.DeltaRatioInit)),
            SeriesView.Of(line.Medians(t => t.Summary!.JacobianInit?.MeanSquared)),
            SeriesView.Of(line.JacobianTheory()),
            new PointsView(
                trials.Select(t => t.Key).ToArray(),
                trials.Select(t => t.Config.Depth).ToArray(),
                trials.Select(t => SweepAxes.Value(t.Config, "seed")).ToArray(),
                trials.Select(t => Positive(t.Summary!.DeltaRatioInit)).ToArray(),
                trials.Select(t => Positive(t.Summary!.JacobianInit?.MeanSquared)).ToArray()));
    }

    private static double? Positive(double? v) => v is double x && double.IsFinite(x) && x > 0 ? x : null;
}

public sealed record SeriesView(int[] Depth, double[] Median)
{
    public static SeriesView Of(IReadOnlyList<(int Depth, double Median)> points) => new(points.Select(p => p.Depth).ToArray(), points.Select(p => p.Median).ToArray());
}

/// <summary>One entry per trial; a ratio or mean square that is not finite and positive is null (it has no place on a log axis).</summary>
public sealed record PointsView(string[] Key, int[] Depth, string[] Seed, double?[] Ratio, double?[] Jacobian);
