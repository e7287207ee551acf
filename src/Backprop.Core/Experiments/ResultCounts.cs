namespace Backprop.Core.Experiments;

/// <summary>
/// How many trials ended each way (<see cref="Outcome"/>) and were in each gradient-flow regime at initialisation
/// (<see cref="FlowRegime"/>): the one count that the end of <c>lab sweep</c>, its live display and the report print.
/// </summary>
public sealed record ResultCounts(int Trials, int Ok, int Diverged, int Failed, int Vanishing, int Stable, int Exploding)
{
    /// <summary>Trials without a regime: failed ones, which measured nothing, and those with a NaN error ratio.</summary>
    public int Unmeasured => Trials - Vanishing - Stable - Exploding;

    public static ResultCounts Of(IEnumerable<TrialResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Aggregate(new ResultCounts(0, 0, 0, 0, 0, 0, 0), (counts, r) => counts.With(r));
    }

    /// <summary>These counts with <paramref name="r"/> added (for a live count that grows trial by trial).</summary>
    public ResultCounts With(TrialResult r) => Add(r, 1);

    /// <summary>These counts with <paramref name="r"/> taken out (a trial whose earlier result is replaced).</summary>
    public ResultCounts Without(TrialResult r) => Add(r, -1);

    private ResultCounts Add(TrialResult r, int n) => new(
        Trials + n,
        Ok + (r.Outcome == Outcome.Ok ? n : 0),
        Diverged + (r.Outcome == Outcome.Diverged ? n : 0),
        Failed + (r.Outcome == Outcome.Failed ? n : 0),
        Vanishing + (r.Regime == FlowRegime.Vanishing ? n : 0),
        Stable + (r.Regime == FlowRegime.Stable ? n : 0),
        Exploding + (r.Regime == FlowRegime.Exploding ? n : 0));

    /// <summary>"32 trials: 28 ok, 4 diverged, 0 failed; at initialisation 10 vanishing, 19 stable, 3 exploding".</summary>
    public string Describe() =>
        $"{Trials} trials: {Ok} ok, {Diverged} diverged, {Failed} failed; at initialisation {Vanishing} vanishing, {Stable} stable, {Exploding} exploding"
        + (Unmeasured > 0 ? $", {Unmeasured} not measured" : "");
}
