using Backprop.Core.Checking;
using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Checking;

/// <summary>float32 against float64, and the step-size sweep's V.</summary>
public class PrecisionAndSweepTests
{
    private static GradientProblem Problem() =>
        CheckProblems.Random(3, [6, 6, 2], Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, 4, seed: 12);

    [Fact]
    public void The_same_correct_network_passes_in_float64_and_fails_the_float64_tuned_check_in_float32()
    {
        GradCheckReport float64 = GradientChecker.Full(Problem(), CheckProblems.Options);
        GradCheckReport float32 = GradientChecker.Full(Problem(), CheckProblems.Options with { Precision = Precision.Single });
        Assert.Equal(GradCheckVerdict.Pass, float64.Verdict);
        Assert.Equal(GradCheckVerdict.Fail, float32.Verdict);
        Assert.Contains(float32.Notes, n => n.StartsWith("float32: J is rounded to 24 bits"));
        // The backward rules are right: localisation finds nothing wrong, so the blame is on the arithmetic.
        Assert.Empty(float32.Localization!.Findings);
    }

    [Fact]
    public void The_sweep_traces_a_V_with_its_best_step_near_the_cube_root_of_eps()
    {
        StepSweepResult sweep = StepSweep.Run(Problem(), ["W1[2,1]"], CheckProblems.Options);
        SweepSeries series = Assert.Single(sweep.Series);
        Assert.Equal("W1[2,1]", series.Entry);
        Assert.Equal(12, series.Points.Count);
        Assert.InRange(series.Best.Step, 1e-7, 1e-3);
        Assert.True(series.Best.RelativeError <= ErrorBands.Excellent);
        Assert.True(series.Points[0].RelativeError > 100 * series.Best.RelativeError, "truncation at h = 1e-1");
        Assert.True(series.Points[^1].RelativeError > 100 * series.Best.RelativeError, "rounding at h = 1e-12");
    }

    [Fact]
    public void In_float32_the_best_step_is_much_larger()
    {
        StepSweepResult sweep = StepSweep.Run(Problem(), ["W1[2,1]"], CheckProblems.Options with { Precision = Precision.Single });
        Assert.InRange(sweep.Series[0].Best.Step, 1e-4, 1e-1);
    }

    [Fact]
    public void By_default_the_sweep_takes_the_largest_gradient_of_the_first_and_last_weights()
    {
        StepSweepResult sweep = StepSweep.Run(Problem(), null, CheckProblems.Options);
        Assert.Equal(["W1", "W3"], sweep.Series.Select(s => s.Entry[..2]));
    }

    [Theory]
    [InlineData("W4[1,1]", "the network has 3 layer(s)")]
    [InlineData("W1[7,1]", "W1 is 6 x 3")]
    [InlineData("q[1]", "expected W<layer>[row,col]")]
    public void A_bad_entry_label_says_what_is_wrong(string label, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => StepSweep.Run(Problem(), [label], CheckProblems.Options));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-6)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_step_that_is_not_positive_and_finite_is_refused(double h)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientChecker.Full(Problem(), CheckProblems.Options with { Step = h }));
        Assert.Contains("positive finite", e.Message);
    }

    [Fact]
    public void A_sample_count_below_1_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientChecker.Fast(Problem(), CheckProblems.Options with { SamplePerTensor = 0 }));
        Assert.Contains("at least 1", e.Message);
    }
}
