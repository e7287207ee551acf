using System.Globalization;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// A sweep's trials arranged to compare network shapes against depth, the grouping the Jacobian figure and the web
/// view's architectures section share: when the sweep varies an architecture field (<see cref="ArchitectureFields"/>),
/// one panel per activation and sigma_w^2 and one line per architecture; otherwise one panel per activation and one line
/// per sigma_w^2. Every other varying axis but depth and seed is named in <see cref="Averaged"/>: a point is the median
/// over it and the seeds.
/// </summary>
/// <param name="Compared">The architecture fields the lines differ in; empty when the lines are sigma_w^2 values.</param>
/// <param name="Averaged">The varying axes a point's median runs over, besides the seeds.</param>
/// <param name="Panels">By activation, then sigma_w^2.</param>
public sealed record ShapeComparison(IReadOnlyList<string> Compared, IReadOnlyList<string> Averaged, IReadOnlyList<ShapePanel> Panels)
{
    /// <summary>The trial fields that make up a network's shape (architecture.json's grid names them).</summary>
    public static readonly IReadOnlyList<string> ArchitectureFields = ["architecture", "block_depth", "residual_scale", "block_form", "norm"];

    /// <summary>Whether an architecture field is among the <paramref name="varying"/> axes of a sweep.</summary>
    public static bool VariesArchitecture(IReadOnlyList<string> varying) => ArchitectureFields.Any(varying.Contains);

    /// <summary>
    /// The trials with a summary, arranged in panels and lines (panels by activation, then sigma_w^2; lines by label). The
    /// axes compared and averaged are <paramref name="varying"/> (default: those that vary in the trials), so a filtered part
    /// of a sweep given the whole sweep's keeps its lines.
    /// </summary>
    public static ShapeComparison Of(IReadOnlyList<TrialResult> trials, IReadOnlyList<string>? varying = null)
    {
        var usable = trials.Where(t => t.Summary is not null).ToArray();
        varying ??= SweepAxes.Varying(usable.Select(t => t.Config));
        string[] compared = ArchitectureFields.Where(varying.Contains).ToArray();
        string[] averaged = varying.Except(compared).Except(["depth", "activation", "sigma_w2", "seed"]).ToArray();
        bool byArchitecture = compared.Length > 0;
        var panels = usable
            .GroupBy(t => (t.Config.Activation, SigmaW2: byArchitecture ? t.Config.SigmaW2 : double.NaN))
            .OrderBy(g => g.Key.Activation, StringComparer.Ordinal).ThenBy(g => g.Key.SigmaW2)
            .Select(panel => new ShapePanel(
                panel.Key.Activation,
                byArchitecture ? panel.Key.SigmaW2 : null,
                byArchitecture ? $"{panel.Key.Activation}, σ_w² = {Number(panel.Key.SigmaW2)}" : panel.Key.Activation,
                byArchitecture
                    ? panel.GroupBy(t => Label(t.Config, compared), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                        .Select(g => new ShapeLine(g.Key, g.ToArray())).ToArray()
                    : panel.GroupBy(t => t.Config.SigmaW2).OrderBy(g => g.Key)
                        .Select(g => new ShapeLine($"σ_w² = {Number(g.Key)}", g.ToArray())).ToArray()))
            .ToArray();
        return new ShapeComparison(compared, averaged, panels);
    }

    /// <summary>" Each point is the median over ... and seeds." for the axes a point runs over; empty when there are none but seeds.</summary>
    public string AveragingNote => Averaged.Count == 0 ? "" : $" Each point is the median over {string.Join(", ", Averaged)} and seeds.";

    /// <summary>A line's name from the architecture fields that differ: "residual, layernorm", "plain, no norm".</summary>
    public static string Label(TrialConfig c, IReadOnlyList<string> fields) => string.Join(", ", fields.Select(f => f switch
    {
        "architecture" => c.Architecture,
        "norm" => c.Norm == "none" ? "no norm" : c.Norm,
        "block_depth" => $"k = {c.BlockDepth}",
        "residual_scale" => $"α = {c.ResidualScale}",
        _ => c.BlockForm,
    }));

    internal static string Number(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>One panel: an activation (and a sigma_w^2 when the lines are architectures).</summary>
public sealed record ShapePanel(string Activation, double? SigmaW2, string Title, IReadOnlyList<ShapeLine> Lines);

/// <summary>One line of a panel: its trials at every depth.</summary>
public sealed record ShapeLine(string Label, IReadOnlyList<TrialResult> Trials)
{
    /// <summary>The median of <paramref name="value"/> over the trials at each depth that have a finite positive one, by depth.</summary>
    public IReadOnlyList<(int Depth, double Median)> Medians(Func<TrialResult, double?> value) => Trials
        .Select(t => (t.Config.Depth, Value: value(t)))
        .Where(p => p.Value is double v && double.IsFinite(v) && v > 0)
        .GroupBy(p => p.Depth).OrderBy(g => g.Key)
        .Select(g => (g.Key, Median(g.Select(p => p.Value!.Value))))
        .ToArray();

    /// <summary>
    /// The median over a depth's trials that measured J of the mean-field (1/N)||J||_F^2, one prediction per configuration
    /// (its seeds share it: <see cref="TheoryCurves.JacobianMeanSquared(IReadOnlyList{TrialConfig})"/>), by depth.
    /// </summary>
    public IReadOnlyList<(int Depth, double Median)> JacobianTheory() => Trials
        .Where(t => t.Summary?.JacobianInit is not null)
        .GroupBy(t => t.Config.Depth).OrderBy(g => g.Key)
        .Select(g => (Depth: g.Key, Values: g.GroupBy(t => t.Config with { Seed = 0 })
            .Select(c => TheoryCurves.JacobianMeanSquared(c.Select(t => t.Config).ToArray()))
            .OfType<double>().Where(v => double.IsFinite(v) && v > 0).ToArray()))
        .Where(p => p.Values.Length > 0)
        .Select(p => (p.Depth, Median(p.Values)))
        .ToArray();

    /// <summary>The line's trials at its deepest depth that have a spectrum.</summary>
    public IReadOnlyList<TrialResult> Deepest()
    {
        var measured = Trials.Where(t => t.Summary?.JacobianInit is not null).ToArray();
        if (measured.Length == 0)
        {
            return [];
        }
        int depth = measured.Max(m => m.Config.Depth);
        return measured.Where(t => t.Config.Depth == depth).ToArray();
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
