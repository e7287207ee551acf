namespace Backprop.Lab.Web.Data;

/// <summary>
/// Two sweeps side by side: each one's <see cref="SweepView"/>, and the colour scales both are drawn on, so the same
/// colour means the same number in either sweep.
/// </summary>
/// <param name="PhaseRange">The larger of the two sweeps' phase ranges: log10 ratio in [-PhaseRange, PhaseRange].</param>
/// <param name="LossRange">The trainability maps' shared [min, max]: the union of the two sweeps' ranges; null when one
/// sweep's map is of log10 loss and the other's of the loss itself (a loss that is not positive everywhere), which no one
/// scale can show.</param>
public sealed record CompareView(SweepView A, SweepView B, double PhaseRange, double[]? LossRange, bool LossLog)
{
    public static CompareView Of(SweepView a, SweepView b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double[]? loss = a.LossLog == b.LossLog ? [Math.Min(a.LossRange[0], b.LossRange[0]), Math.Max(a.LossRange[1], b.LossRange[1])] : null;
        return new CompareView(a, b, Math.Max(a.PhaseRange, b.PhaseRange), loss, a.LossLog && b.LossLog);
    }
}
