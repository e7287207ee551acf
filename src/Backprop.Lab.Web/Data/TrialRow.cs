using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// One trial as the sweep view lists it: its swept values, how it ended, the numbers its cell and the chi1 chart show,
/// and the curves of its training chart (loss and the first and last hidden layer's ||dJ/dW_l|| at every checkpoint).
/// The per-layer detail of every checkpoint is the trial view's (<c>/api/sweeps/ID/trials/KEY</c>).
/// </summary>
/// <param name="Axes">The value of every axis the sweep varies, as <see cref="SweepAxes.Value"/> spells it.</param>
/// <param name="Chi1Measured">exp of the fitted slope of ln E||delta_l||^2 at initialisation.</param>
/// <param name="Chi1Layers">Mean-field chi1 for the same layers (exp of the predicted slope).</param>
/// <param name="Chi1Star">Mean-field chi1 at the fixed point q*.</param>
public sealed record TrialRow(
    string Key,
    IReadOnlyDictionary<string, string> Axes,
    string Activation,
    int Depth,
    double SigmaW2,
    string Seed,
    string Outcome,
    int? DivergedAtStep,
    double FinalLoss,
    string? Regime,
    double? DeltaRatioInit,
    double? DeltaRatioFinal,
    double? FirstLastRatioInit,
    double? Chi1Measured,
    double? Chi1Layers,
    double? Chi1Star,
    double Seconds,
    string? Error,
    int[] Steps,
    double[] Loss,
    double[] GradFirst,
    double[] GradLast)
{
    public static TrialRow Of(TrialResult t, IReadOnlyList<string> axes)
    {
        TrialSummary? s = t.Summary;
        int last = Math.Max(0, t.Config.Depth - 1);
        return new TrialRow(
            t.Key,
            axes.ToDictionary(a => a, a => SweepAxes.Value(t.Config, a), StringComparer.Ordinal),
            SweepAxes.Value(t.Config, "activation"),
            t.Config.Depth,
            t.Config.SigmaW2,
            SweepAxes.Value(t.Config, "seed"),
            ResultFormat.Name(t.Outcome),
            t.DivergedAtStep,
            t.FinalLoss,
            t.Regime is FlowRegime r ? ResultFormat.Name(r) : null,
            s?.DeltaRatioInit,
            s?.DeltaRatioFinal,
            s?.FirstLastRatioInit,
            s?.LogSlopeMeasured is double m ? Math.Exp(m) : null,
            s?.LogSlopePredicted is double p ? Math.Exp(p) : null,
            s?.Chi1Predicted,
            t.Seconds,
            t.Error,
            t.Checkpoints.Select(c => c.Step).ToArray(),
            t.Checkpoints.Select(c => c.Loss).ToArray(),
            t.Checkpoints.Select(c => c.Layers.Count > 0 ? c.Layers[0].GradWNorm : double.NaN).ToArray(),
            t.Checkpoints.Select(c => c.Layers.Count > last ? c.Layers[last].GradWNorm : double.NaN).ToArray());
    }
}
