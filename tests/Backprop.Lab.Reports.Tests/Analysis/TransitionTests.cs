using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;

namespace Backprop.Lab.Reports.Tests.Analysis;

/// <summary>
/// On real trials at initialisation (sigma_b = 0, gaussian dataset, width 128), the data behind the phase diagram puts
/// the vanishing/exploding transition where mean-field theory says.
/// </summary>
public class TransitionTests
{
    private static List<TrialResult> Run(string activation, int[] depths, double[] sw2s) =>
        depths.SelectMany(d => sw2s.Select(s => new TrialConfig
        {
            Activation = activation, Depth = d, Width = 128, SigmaW2 = s, Dataset = "gaussian", Steps = 0, Samples = 64, BatchSize = 64,
        })).AsParallel().AsOrdered().Select(c => TrialRunner.Run(c)).ToList();

    [Fact]
    public void Standard_tanh_sweep_vanishes_below_and_explodes_above_the_measured_boundary_which_matches_theory()
    {
        double[] sw2 = [0.5, 0.7, 0.85, 1, 1.15, 1.3, 1.6, 2];
        ActivationGroup tanh = ActivationGroup.From(Run("tanh", [16, 24], sw2)).Single();
        PhaseGrid grid = PhaseGrid.Build(tanh.Trials, PhaseGrid.LogDeltaRatioInit);
        for (int r = 0; r < grid.Depths.Count; r++)
        {
            double[] row = grid.Row(r);
            Assert.All(Enumerable.Range(0, 3), c => Assert.True(row[c] < -0.9, $"L={grid.Depths[r]} sw2={sw2[c]}: log10 ratio {row[c]} should vanish"));
            Assert.True(row[^1] > 0.1, $"L={grid.Depths[r]} sw2=2: log10 ratio {row[^1]} should explode");
            // The error ratio's own crossing lies between the critical line and sw2 = 2 at these depths.
            Assert.InRange(grid.CrossingAt(r)!.Value, 1.0, 2.0);
        }

        ActivationFindings f = ActivationFindings.Of(tanh);
        Assert.Equal(1.0, f.CriticalLineSw2!.Value, 6);
        Assert.Equal(24, f.CrossingDepth);
        // Measured ln chi1 = 0 where mean-field theory for the same layers puts it (q^l following the data, as measured) ...
        Assert.InRange(f.MeasuredCriticalSw2!.Value / f.PredictedCriticalSw2!.Value, 0.9, 1.1);
        // ... which is above the q* critical line at finite depth (tanh at sigma_b = 0 reaches q* = 0 only like 1/l).
        Assert.InRange(f.MeasuredCriticalSw2.Value, 1.0, 1.35);
    }

    [Fact]
    public void Relu_error_ratio_crosses_1_at_the_he_scale()
    {
        // relu is homogeneous: chi1 = sw2 / 2 at every q, no transient, so the error ratio itself crosses 1 at sw2 = 2.
        ActivationGroup relu = ActivationGroup.From(Run("relu", [24], [1, 1.5, 1.8, 2.2, 2.6, 3])).Single();
        PhaseGrid grid = PhaseGrid.Build(relu.Trials, PhaseGrid.LogDeltaRatioInit);
        Assert.InRange(grid.CrossingAt(0)!.Value / 2, 0.85, 1.2);
        Assert.InRange(ActivationFindings.Of(relu).MeasuredCriticalSw2!.Value / 2, 0.9, 1.1);
    }
}
