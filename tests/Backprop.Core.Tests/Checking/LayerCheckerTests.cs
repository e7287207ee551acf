using Backprop.Core.Checking;
using Backprop.Lab.Exercises;
using Backprop.Lab.Exercises.Solutions;
using Backprop.Lab.Testing;

namespace Backprop.Core.Tests.Checking;

/// <summary>Your own layers: the reference solutions pass; unfinished, wrong, throwing or mis-shaped layers fail readably.</summary>
public class LayerCheckerTests
{
    private static readonly double[] X = [0.5, -1.2, 2.0, 0.1, -0.3, 0.8];

    public static TheoryData<string> Solutions() => new() { "sigmoid", "softmax", "dense" };

    private static IDifferentiableLayer Solution(string name) => name switch
    {
        "sigmoid" => new SigmoidSolution(3),
        "softmax" => new SoftmaxCrossEntropySolution(3, [0, 1, 0, 1, 0, 0]),
        _ => new DenseSolution(3, 2),
    };

    [Theory]
    [MemberData(nameof(Solutions))]
    public void The_reference_solutions_pass(string name)
    {
        GradCheckReport report = GradAssert.LayerGradientsCorrect(Solution(name), X, 2);
        Assert.All(report.Tensors, t => Assert.True(t.MaxRelativeError <= ErrorBands.Excellent, $"{t.Name}: {t.MaxRelativeError:E2}"));
    }

    [Fact]
    public void An_unfinished_exercise_fails_the_assertion_with_what_to_do()
    {
        var e = Assert.Throws<Xunit.Sdk.FailException>(() => GradAssert.LayerGradientsCorrect(new Sigmoid(3), X, 2));
        Assert.Contains("layer sigmoid: a method is not implemented yet (exercise 1: write the sigmoid's backward rule)", e.Message);
    }

    [Fact]
    public void A_wrong_backward_rule_fails_with_the_readable_report()
    {
        var e = Assert.Throws<Xunit.Sdk.FailException>(() => GradAssert.LayerGradientsCorrect(new Broken(BrokenHow.Factor), X, 2));
        Assert.Contains("tensor   entries  checked", e.Message);
        Assert.Contains("x: dL/dx, 2 x 3, worst entries", e.Message);
        Assert.Contains("verdict  FAIL", e.Message);
    }

    [Theory]
    [InlineData(BrokenHow.Throws, "layer broken threw InvalidOperationException: oops")]
    [InlineData(BrokenHow.WrongShape, "layer broken: Backward's input gradient has 5 values; expected 6 (m x inputs = 2 x 3)")]
    [InlineData(BrokenHow.Null, "layer broken: Backward returned null")]
    [InlineData(BrokenHow.WrongParameterShape, "layer broken: Backward's parameter gradient has 0 values; expected 1 (one per parameter)")]
    public void A_layer_that_breaks_its_contract_gives_an_error_report_not_a_crash(BrokenHow how, string expected)
    {
        GradCheckReport report = LayerChecker.Check(new Broken(how), X, 2);
        Assert.Equal(GradCheckVerdict.Error, report.Verdict);
        Assert.Equal(expected, report.Error);
        var e = Assert.Throws<Xunit.Sdk.FailException>(() => GradAssert.Passes(report));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Bad_check_settings_fail_the_assertion_with_the_reason()
    {
        var e = Assert.Throws<Xunit.Sdk.FailException>(() => GradAssert.LayerGradientsCorrect(new SigmoidSolution(3), X, 2, new GradCheckOptions { Step = -1 }));
        Assert.Contains("positive finite", e.Message);
    }

    [Fact]
    public void An_input_that_does_not_fit_the_layer_is_reported()
    {
        GradCheckReport report = LayerChecker.Check(new SigmoidSolution(3), X, 3);
        Assert.Equal(GradCheckVerdict.Error, report.Verdict);
        Assert.Contains("3 rows of 3 need 9", report.Error);
    }

    public enum BrokenHow
    {
        Factor,
        Throws,
        WrongShape,
        Null,
        WrongParameterShape,
    }

    /// <summary>y = 2 x + p: a backward rule that is off by 3/2, throws, or returns the wrong shape or null.</summary>
    private sealed class Broken(BrokenHow how) : IDifferentiableLayer
    {
        public string Name => "broken";
        public int InputSize => 3;
        public int OutputSize => 3;
        public double[] Parameters { get; } = [0.1];

        public double[] Forward(double[] x, int m) => Array.ConvertAll(x, v => 2 * v + Parameters[0]);

        public LayerGradients Backward(double[] x, int m, double[] outputGradient) => how switch
        {
            BrokenHow.Throws => throw new InvalidOperationException("oops"),
            BrokenHow.WrongShape => new LayerGradients(new double[5], [outputGradient.Sum()]),
            BrokenHow.Null => null!,
            BrokenHow.WrongParameterShape => new LayerGradients(Array.ConvertAll(outputGradient, g => 2 * g), []),
            _ => new LayerGradients(Array.ConvertAll(outputGradient, g => 3 * g), [outputGradient.Sum()]),
        };
    }
}
