using Backprop.Core.Checking;
using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Checking;

/// <summary>Each planted bug is caught end to end and localised to the right layer and operation.</summary>
public class PlantedBugTests
{
    private static GradCheckReport Check(PlantedBug bug, GradientProblem? problem = null) =>
        GradientChecker.Full(problem ?? CheckProblems.Square(), CheckProblems.Options, new PlantedBugBackward(bug));

    private static LocalFinding First(GradCheckReport report)
    {
        Assert.Equal(GradCheckVerdict.Fail, report.Verdict);
        Assert.NotNull(report.Localization);
        return report.Localization!.First ?? throw new Xunit.Sdk.XunitException("no layer named: " + report.Localization.Summary);
    }

    [Fact]
    public void Without_a_bug_the_hand_written_backward_matches_the_engine()
    {
        GradientProblem problem = CheckProblems.Square();
        BackwardTrace engine = EngineBackward.Instance.Run(problem.Network.Clone(), problem.Inputs, problem.Targets, 3, problem.Loss);
        // OverwriteFanOut planted in a layer that does not exist would throw, so compare a loss bug's untouched layers instead.
        BackwardTrace planted = new PlantedBugBackward(new PlantedBug(PlantedBugKind.DropActivationDerivative, 3))
            .Run(problem.Network.Clone(), problem.Inputs, problem.Targets, 3, problem.Loss);
        Assert.Equal(engine.Layers[2].WeightGradient, planted.Layers[2].WeightGradient); // layer 3 is identity: phi' = 1, no bug
        Assert.Equal(engine.InputGradient, planted.InputGradient);
    }

    [Fact]
    public void A_dropped_activation_derivative_is_named_at_its_layer()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.DropActivationDerivative, 2)));
        Assert.Equal(2, first.Layer);
        Assert.Equal(LocalOperation.ActivationDerivative, first.Operation);
        Assert.StartsWith("layer 2 (tanh): activation derivative missing", first.Message);
    }

    [Fact]
    public void W_in_place_of_W_transposed_is_named_as_the_input_gradient()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.TransposedWeights, 2)));
        Assert.Equal(2, first.Layer);
        Assert.Equal(LocalOperation.InputGradient, first.Operation);
        Assert.Contains("W used where the rule needs W^T", first.Message);
    }

    [Fact]
    public void W_transposed_is_not_blamed_where_W_is_symmetric()
    {
        // With W = W^T the "W for W^T" mistake computes the rule itself, so it cannot explain a wrong dJ/dx:
        // here dJ/dx is wrong only because delta lacks phi', and that is what must be named.
        GradientProblem problem = CheckProblems.Square();
        double[] w = problem.Network.Layers[1].Weights;
        for (int j = 0; j < 4; j++)
        {
            for (int k = 0; k < j; k++)
            {
                w[j * 4 + k] = w[k * 4 + j];
            }
        }
        GradCheckReport report = Check(new PlantedBug(PlantedBugKind.DropActivationDerivative, 2), problem);
        Assert.Equal(LocalOperation.ActivationDerivative, First(report).Operation);
        Assert.Contains(report.Localization!.Findings, f => f.Layer == 2 && f.Operation == LocalOperation.InputGradient);
        Assert.DoesNotContain(report.Localization.Findings, f => f.Message.Contains("W^T", StringComparison.Ordinal));
    }

    [Fact]
    public void An_overwritten_batch_sum_is_named_as_the_bias_gradient()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.OverwriteFanOut, 2)));
        Assert.Equal(2, first.Layer);
        Assert.Equal(LocalOperation.BiasGradient, first.Operation);
        Assert.Contains("overwrites instead of accumulating", first.Message);
    }

    [Fact]
    public void A_loss_gradient_without_its_2_is_off_by_a_factor_of_one_half()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.LossMissingTwo)));
        Assert.Null(first.Layer);
        Assert.Equal(LocalOperation.LossGradient, first.Operation);
        Assert.Equal(0.5, first.Factor!.Value, 6);
        Assert.StartsWith("loss (mse): gradient dJ/dyhat off by a factor of 0.5", first.Message);
    }

    [Fact]
    public void A_loss_gradient_without_its_1_over_m_is_off_by_a_factor_of_m()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.LossMissingMean)));
        Assert.Equal(LocalOperation.LossGradient, first.Operation);
        Assert.Equal(3.0, first.Factor!.Value, 6);
        Assert.Contains("1/m of the batch mean is missing", first.Message);
    }

    [Fact]
    public void A_loss_gradient_without_its_1_over_m_is_caught_for_cross_entropy_too()
    {
        GradientProblem problem = CheckProblems.Random(3, [4, 3], Activation.Sigmoid, Activation.Identity, Loss.SoftmaxCrossEntropy, 4, seed: 8);
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.LossMissingMean), problem));
        Assert.Equal("loss (softmax_cross_entropy)", first.Site);
        Assert.Equal(4.0, first.Factor!.Value, 6);
    }

    [Fact]
    public void A_delta_shifted_by_one_layer_is_named_at_the_layer_that_borrowed_it()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.ShiftedDelta, 1)));
        Assert.Equal(1, first.Layer);
        Assert.Equal(LocalOperation.WeightGradient, first.Operation);
        Assert.Contains("the delta of the layer above", first.Message);
    }

    [Fact]
    public void Only_the_buggy_layer_is_blamed()
    {
        GradCheckReport report = Check(new PlantedBug(PlantedBugKind.DropActivationDerivative, 2));
        Assert.All(report.Localization!.Findings, f => Assert.Equal(2, f.Layer));
    }

    [Fact]
    public void A_bug_that_cannot_be_planted_says_why()
    {
        GradientProblem problem = CheckProblems.Random(3, [4, 2], Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, 2, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => GradientChecker.Full(problem, CheckProblems.Options, new PlantedBugBackward(new PlantedBug(PlantedBugKind.TransposedWeights, 1))));
        Assert.Contains("square layer", e.Message);
    }
}
