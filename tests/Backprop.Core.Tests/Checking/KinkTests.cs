using Backprop.Core.Checking;
using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Checking;

/// <summary>A correct ReLU network whose finite differences cross a kink passes, with the entry marked.</summary>
public class KinkTests
{
    /// <summary>A relu network with unit 1 of layer 1 at z = 3e-7 for example 1: moving b1[1] by +-1e-6 crosses 0.</summary>
    private static GradientProblem OnAKink(Activation phi)
    {
        GradientProblem problem = CheckProblems.Random(3, [4, 2], phi, Activation.Identity, Loss.MeanSquaredError, 2, seed: 21);
        Mlp probe = problem.Network.Clone();
        probe.Forward(problem.Inputs, problem.Count);
        problem.Network.Layers[0].Biases[0] -= probe.Layers[0].PreActivation[0] - 3e-7;
        return problem;
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky_relu(0.1)")]
    [InlineData("elu(1.5)")]
    [InlineData("abs")]
    public void A_crossed_kink_is_marked_and_does_not_fail_the_check(string activation)
    {
        Assert.True(Activation.TryParse(activation, out Activation phi));
        GradCheckReport report = GradientChecker.Full(OnAKink(phi), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, report.Verdict);
        TensorCheck b1 = report.Tensors.Single(t => t.Name == "b1");
        Assert.True(b1.KinkCrossings >= 1);
        EntryCheck marked = b1.Worst.First(e => e.Verdict == EntryVerdict.KinkCrossed);
        Assert.Equal("b1[1]", marked.Label);
        double low = Math.Min(marked.LeftDifference!.Value, marked.RightDifference!.Value);
        double high = Math.Max(marked.LeftDifference.Value, marked.RightDifference.Value);
        Assert.InRange(marked.Analytic, low - 1e-6, high + 1e-6);
        Assert.Contains(report.Notes, n => n.Contains("crossed a kink"));
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("abs")]
    public void The_fast_check_of_a_network_on_a_kink_passes(string activation)
    {
        Assert.True(Activation.TryParse(activation, out Activation phi));
        GradCheckReport report = GradientChecker.Fast(OnAKink(phi), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, report.Verdict);
    }

    /// <summary>
    /// One abs unit, z = w x + b with w = 1, b = 0: example 1 has x = 0, so its z is exactly 0, on the kink, where
    /// abs'(0) = 0 is the slope of neither piece; example 2 (when given) has x = 2 and target -10, away from it.
    /// </summary>
    private static GradientProblem AbsAtZero(int examples) => AtZero(examples, Activation.Abs);

    private static GradientProblem AtZero(int examples, Activation phi)
    {
        var network = new Mlp(1, [new LayerSpec(1, phi)]);
        network.Layers[0].Weights[0] = 1;
        network.Layers[0].Biases[0] = 0;
        double[] inputs = examples == 1 ? [0] : [0, 2];
        double[] targets = examples == 1 ? [1] : [1, -10];
        return new GradientProblem(network, inputs, targets, examples, Loss.MeanSquaredError);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_unit_exactly_on_its_kink_does_not_fail_the_check(int examples)
    {
        GradCheckReport report = GradientChecker.Full(AbsAtZero(examples), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, report.Verdict);
        Assert.Null(report.Localization);
        EntryCheck b = report.Tensors.Single(t => t.Name == "b1").Worst.Single();
        Assert.Equal(EntryVerdict.KinkCrossed, b.Verdict);
        Assert.InRange(b.Analytic, Math.Min(b.LeftDifference!.Value, b.RightDifference!.Value), Math.Max(b.LeftDifference.Value, b.RightDifference.Value));
        Assert.Equal(GradCheckVerdict.Pass, GradientChecker.Fast(AbsAtZero(examples), CheckProblems.Options).Verdict);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky_relu(0.1)")]
    [InlineData("elu(1.5)")]
    public void At_z_exactly_0_relu_leaky_relu_and_elu_are_on_their_left_piece(string activation)
    {
        // Their derivative at 0 is their left piece's slope, so the left difference is t's own and judges it,
        // and the fast check is conclusive without falling back to the full check.
        Assert.True(Activation.TryParse(activation, out Activation phi));
        GradCheckReport full = GradientChecker.Full(AtZero(1, phi), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, full.Verdict);
        Assert.Equal(EntryVerdict.KinkCrossed, full.Tensors.Single(t => t.Name == "b1").Worst.Single().Verdict);
        GradCheckReport fast = GradientChecker.Fast(AtZero(1, phi), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, fast.Verdict);
        Assert.Empty(fast.Fast!.PerTensor);
    }

    [Fact]
    public void A_wrong_gradient_at_an_exact_kink_still_fails()
    {
        // Slopes of J in b1: 11 on the right of the kink, 13 on its left; the correct 12 lies between, the halved 6 does not.
        GradCheckReport report = GradientChecker.Full(AbsAtZero(2), CheckProblems.Options,
            new PlantedBugBackward(new PlantedBug(PlantedBugKind.LossMissingTwo)));
        Assert.Equal(GradCheckVerdict.Fail, report.Verdict);
        Assert.Equal(EntryVerdict.Fail, report.Tensors.Single(t => t.Name == "b1").Worst.Single().Verdict);
    }

    [Fact]
    public void Across_a_relu_kink_the_central_difference_is_not_the_derivative()
    {
        // Why the kink logic exists: without it this correct entry would be "wrong".
        GradCheckReport report = GradientChecker.Full(OnAKink(Activation.Relu), CheckProblems.Options);
        EntryCheck marked = report.Tensors.Single(t => t.Name == "b1").Worst.First(e => e.Verdict == EntryVerdict.KinkCrossed);
        Assert.Equal(GradCheckBand.Wrong, marked.Band);
    }

    [Fact]
    public void A_wrong_gradient_at_a_kink_still_fails()
    {
        GradientProblem problem = OnAKink(Activation.LeakyRelu(0.1));
        GradCheckReport report = GradientChecker.Full(problem, CheckProblems.Options,
            new PlantedBugBackward(new PlantedBug(PlantedBugKind.DropActivationDerivative, 1)));
        Assert.Equal(GradCheckVerdict.Fail, report.Verdict);
        Assert.Equal(1, report.Localization!.First!.Layer);
    }
}
