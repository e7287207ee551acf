using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The data behind a trainability map: the final loss over depth x sigma_w^2, the mean over the seeds that trained
/// (log10 when every finite loss is positive), and a mark per cell where a seed diverged ("div") or failed ("failed").
/// Rows and columns are every depth and sigma_w^2 of the group, so a cell whose seeds all diverged is still placed.
/// </summary>
public sealed record TrainabilityGrid(bool Log, string StepText, IReadOnlyList<double> Sw2, IReadOnlyList<int> Depths, double[,] Values, string?[,] Marks)
{
    public static TrainabilityGrid Build(ActivationGroup group)
    {
        var trials = group.Trials;
        bool log = trials.Where(t => double.IsFinite(t.FinalLoss)).All(t => t.FinalLoss > 0);
        PhaseGrid grid = PhaseGrid.Build(trials.Where(t => t.Outcome == Outcome.Ok).ToList(),
            t => log ? (t.FinalLoss > 0 ? Math.Log10(t.FinalLoss) : null) : t.FinalLoss);
        PhaseGrid all = PhaseGrid.Build(trials, _ => 0.0);
        var values = new double[all.Depths.Count, all.Sw2.Count];
        var marks = new string?[all.Depths.Count, all.Sw2.Count];
        for (int r = 0; r < all.Depths.Count; r++)
        {
            for (int c = 0; c < all.Sw2.Count; c++)
            {
                int gr = IndexOf(grid.Depths, all.Depths[r]), gc = IndexOf(grid.Sw2, all.Sw2[c]);
                values[r, c] = gr >= 0 && gc >= 0 ? grid.Values[gr, gc] : double.NaN;
                var cell = trials.Where(t => t.Config.Depth == all.Depths[r] && t.Config.SigmaW2 == all.Sw2[c]).ToArray();
                marks[r, c] = cell.Any(t => t.Outcome == Outcome.Diverged) ? "div"
                    : cell.Any(t => t.Outcome == Outcome.Failed) ? "failed"
                    : null;
            }
        }
        string stepText = trials.Count > 0 && trials.Max(t => t.Config.Steps) == 0 ? "loss at initialisation (steps = 0)" : "final loss";
        return new TrainabilityGrid(log, stepText, all.Sw2, all.Depths, values, marks);
    }

    public IEnumerable<double> FiniteValues() => Values.Cast<double>().Where(double.IsFinite);

    private static int IndexOf<T>(IReadOnlyList<T> list, T value) where T : IEquatable<T>
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Equals(value))
            {
                return i;
            }
        }
        return -1;
    }
}
