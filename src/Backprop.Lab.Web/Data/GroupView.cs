using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// One phase-diagram group (an activation, and a value of each other swept axis: <see cref="ActivationGroup"/>) as the
/// sweep view draws it: the panels of the report's phase diagram, its trainability map and its per-layer profiles,
/// from the report's own analysis (<see cref="PhaseGrid"/>, <see cref="TrainabilityGrid"/>, <see cref="ErrorProfile"/>,
/// <see cref="TheoryCurves"/>, <see cref="ActivationFindings"/>), with the theory curves placed on the heatmaps' axes.
/// Matrices are [depth row][sigma_w^2 column]; a cell without a finite value is null.
/// </summary>
public sealed record GroupView(
    string Name,
    string Activation,
    IReadOnlyList<KeyValuePair<string, string>> Facet,
    double SigmaB,
    string AveragingNote,
    int Trials,
    string Finding,
    AxisPlacement X,
    AxisPlacement Y,
    IReadOnlyList<PanelView> Panels,
    string[][][] Cells,
    TrainabilityView Trainability,
    TheoryView Theory,
    ProfileView? Profile)
{
    public static GroupView Of(ActivationGroup group)
    {
        var panels = new List<PanelView>
        {
            PanelView.Of("delta_init", "error ratio |δ₁|/|δ_L| at initialisation", PhaseGrid.Build(group.Trials, PhaseGrid.LogDeltaRatioInit)),
        };
        if (group.Trials.Any(t => t.Config.Steps > 0))
        {
            panels.Add(PanelView.Of("delta_final", "|δ₁|/|δ_L| after training", PhaseGrid.Build(group.Trials, PhaseGrid.LogDeltaRatioFinal)));
        }
        panels.Add(PanelView.Of("weight_init", "weight-gradient ratio ‖∂J/∂W₁‖/‖∂J/∂W_L‖ at initialisation", PhaseGrid.Build(group.Trials, PhaseGrid.LogWeightRatioInit)));

        TrainabilityGrid trainability = TrainabilityGrid.Build(group);
        var x = AxisPlacement.Of(trainability.Sw2);
        var y = AxisPlacement.Of(trainability.Depths.Select(d => (double)d).ToArray());
        var cells = trainability.Depths.Select(d => trainability.Sw2.Select(s => group.Trials
            .Where(t => t.Config.Depth == d && t.Config.SigmaW2 == s).Select(t => t.Key).ToArray()).ToArray()).ToArray();
        return new GroupView(group.Name, group.Activation.ToString(), group.Facet, group.SigmaB, group.AveragingNote, group.Trials.Count,
            ActivationFindings.Of(group).Sentence(), x, y, panels, cells, TrainabilityView.Of(trainability), TheoryView.Of(group, x, y),
            ProfileView.Of(group));
    }

    /// <summary>A matrix of doubles with null for a cell without a finite value.</summary>
    internal static double?[][] Rows(double[,] values) =>
        Enumerable.Range(0, values.GetLength(0)).Select(r => Enumerable.Range(0, values.GetLength(1))
            .Select(c => double.IsFinite(values[r, c]) ? values[r, c] : (double?)null).ToArray()).ToArray();
}

/// <summary>One phase-diagram panel: log10 of a first/last-layer ratio per cell, the mean over the cell's seeds, and how many seeds gave a value.</summary>
public sealed record PanelView(string Id, string Title, IReadOnlyList<double> Sw2, IReadOnlyList<int> Depths, double?[][] Log10, int[][] Counts)
{
    public static PanelView Of(string id, string title, PhaseGrid grid) => new(id, title, grid.Sw2, grid.Depths, GroupView.Rows(grid.Values),
        Enumerable.Range(0, grid.Depths.Count).Select(r => Enumerable.Range(0, grid.Sw2.Count).Select(c => grid.Counts[r, c]).ToArray()).ToArray());
}

/// <summary>The trainability map: final loss per cell (log10 when <see cref="Log"/>), mean over the seeds that trained, and "div" / "failed" marks.</summary>
public sealed record TrainabilityView(bool Log, string StepText, double?[][] Values, string?[][] Marks)
{
    public static TrainabilityView Of(TrainabilityGrid g) => new(g.Log, g.StepText, GroupView.Rows(g.Values),
        Enumerable.Range(0, g.Depths.Count).Select(r => Enumerable.Range(0, g.Sw2.Count).Select(c => g.Marks[r, c]).ToArray()).ToArray());
}

/// <summary>
/// Mean-field theory over a group's heatmaps, in the heatmaps' axis positions: the critical sigma_w^2 (chi1(q*) = 1)
/// and the trainable depth 6 xi_c as two branches (ordered, chaotic), each a list of [x, y] points.
/// </summary>
public sealed record TheoryView(double? CriticalSw2, double? CriticalX, double InputMeanSquare, double[][] SixXiOrdered, double[][] SixXiChaotic)
{
    public static TheoryView Of(ActivationGroup group, AxisPlacement x, AxisPlacement y)
    {
        double q0 = TheoryCurves.InputMeanSquare(group);
        if (!group.PlainTheory)
        {
            return new TheoryView(null, null, q0, [], []); // the plain network's lines do not describe skips or norms
        }
        double? critical = TheoryCurves.CriticalSw2(group.Activation, group.Sb2, q0);
        var (min, max) = x.ValueRange();
        if (!(min > 0))
        {
            min = x.Values.Where(v => v > 0).DefaultIfEmpty(1e-3).Min() / 2;
        }
        var (ordered, chaotic) = TheoryCurves.SixXi(group.Activation, group.Sb2, min, Math.Max(max, min), q0: q0);
        // Capped so a curve running off the top is clipped at the plot's edge, not sent far beyond it.
        double[][] Place(IReadOnlyList<(double Sw2, double Depth)> branch) => branch.Where(p => p.Depth > 0)
            .Select(p => new[] { x.Position(p.Sw2), y.Position(Math.Min(p.Depth, 1e6)) })
            .Where(p => double.IsFinite(p[0]) && double.IsFinite(p[1])).ToArray();
        return new TheoryView(critical, critical is double c ? x.Position(c) : null, q0, Place(ordered), Place(chaotic));
    }
}

/// <summary>
/// The per-layer profiles at initialisation at the group's deepest depth, one line per sigma_w^2 (mean over seeds of
/// log10, with the smallest and largest seed): the weight gradients, and the back-propagated error relative to layer L
/// beside its mean-field line log10 chi1^((L-l)/2). Layers are 1-based.
/// </summary>
public sealed record ProfileView(int Depth, IReadOnlyList<ProfileLine> Lines)
{
    public static ProfileView? Of(ActivationGroup group)
    {
        IReadOnlyList<ErrorProfile> profiles = ErrorProfile.Of(group);
        return profiles.Count == 0 ? null : new ProfileView(profiles[0].Depth, profiles.Select(p => new ProfileLine(p.Sw2,
            BandView.Of(LogBand.Of(p.Weights)), BandView.Of(LogBand.Of(p.Errors)), p.TheoryLog10)).ToArray());
    }
}

public sealed record ProfileLine(double Sw2, BandView Weights, BandView Errors, double[]? TheoryLog10);

/// <summary>log10 mean, smallest and largest over seeds per layer (1-based).</summary>
public sealed record BandView(int[] Layer, double[] Mean, double[] Min, double[] Max)
{
    public static BandView Of(LogBand b) => new(b.Index.Select(i => i + 1).ToArray(), b.Mean, b.Min, b.Max);
}
