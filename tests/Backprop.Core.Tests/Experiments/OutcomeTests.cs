using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>The divergence rule, the regime thresholds, and the counts every view prints.</summary>
public class OutcomeTests
{
    [Theory]
    [InlineData(1.0, 0.5, false)]
    [InlineData(5e5, 0.5, false)] // exactly at the bound: not past it
    [InlineData(5.0000001e5, 0.5, true)]
    [InlineData(-2e6, 1.0, true)] // an unbounded-below loss (linear) grows in magnitude too
    [InlineData(double.NaN, 1.0, true)]
    [InlineData(double.PositiveInfinity, 1.0, true)]
    [InlineData(1e300, 0.0, false)] // no growth bound from a zero initial loss
    [InlineData(double.NaN, 0.0, true)]
    public void Divergence_is_a_non_finite_loss_or_a_millionfold_growth(double loss, double initial, bool diverged) =>
        Assert.Equal(diverged, Divergence.Diverged(loss, initial));

    [Theory]
    [InlineData(0.0, FlowRegime.Vanishing)]
    [InlineData(0.0999, FlowRegime.Vanishing)]
    [InlineData(0.1, FlowRegime.Stable)]
    [InlineData(10.0, FlowRegime.Stable)]
    [InlineData(10.001, FlowRegime.Exploding)]
    [InlineData(double.PositiveInfinity, FlowRegime.Exploding)]
    public void The_regime_follows_the_report_thresholds(double ratio, FlowRegime regime) => Assert.Equal(regime, FlowRegimes.Of(ratio));

    [Fact]
    public void A_NaN_or_missing_ratio_has_no_regime()
    {
        Assert.Null(FlowRegimes.Of(double.NaN));
        Assert.Null(FlowRegimes.Of(null));
    }

    [Fact]
    public void Counts_take_each_trial_once_in_its_outcome_and_its_regime()
    {
        TrialResult ok = Result(Outcome.Ok, 1e-3), diverged = Result(Outcome.Diverged, 50), stable = Result(Outcome.Ok, 1);
        TrialResult failed = TrialResult.FailedWith("f", new TrialConfig(), new InvalidOperationException("x"), 0);
        ResultCounts counts = ResultCounts.Of([ok, diverged, stable, failed]);
        Assert.Equal(new ResultCounts(4, 2, 1, 1, 1, 1, 1), counts);
        Assert.Equal(1, counts.Unmeasured);
        Assert.Equal("4 trials: 2 ok, 1 diverged, 1 failed; at initialisation 1 vanishing, 1 stable, 1 exploding, 1 not measured", counts.Describe());
        Assert.Equal(ResultCounts.Of([ok, diverged, stable]), counts.Without(failed));
    }

    private static TrialResult Result(Outcome outcome, double deltaRatio) => new(
        deltaRatio.ToString(System.Globalization.CultureInfo.InvariantCulture), new TrialConfig(), outcome, outcome == Outcome.Diverged ? 3 : null, 0.1,
        new TrialSummary([1], [1], [1], null, null, null, 1, 1, 1, deltaRatio, deltaRatio), [], 0, null);
}
