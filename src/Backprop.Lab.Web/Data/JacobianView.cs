using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// What the trial view draws of a trial's Jacobian spectrum beyond the stored statistics: the mean-field prediction of its
/// mean squared singular value and the singular-value histograms at initialisation and at the end as fractions per bin,
/// rounding-level values counted apart (<see cref="SpectrumCurve"/>, as the report's figure).
/// </summary>
/// <param name="Predicted">Mean-field (1/N)||J||_F^2 at initialisation; null where theory has none.</param>
public sealed record JacobianView(double? Predicted, SpectrumCurve? Init, SpectrumCurve? Final)
{
    /// <summary>Null for a trial that did not measure its spectrum.</summary>
    public static JacobianView? Of(TrialResult trial) => trial.Summary is { JacobianInit: { } init } s
        ? new JacobianView(TheoryCurves.JacobianMeanSquared(trial.Config), SpectrumCurve.Of([init]), SpectrumCurve.Of([s.JacobianFinal]))
        : null;
}
