using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Checking;

/// <summary>
/// Planted bugs in residual and layernorm networks are caught end to end and localised to the op that is wrong: the
/// skip sum of the right block, the norm of the right layer; a right backward pass is localised nowhere.
/// </summary>
public class ArchitecturePlantedBugTests
{
    // Stem (layer 1), blocks of layers 2-3 and 4-5, readout 6; every hidden layer normed.
    private static readonly Architecture ResidualNormed = new() { Residual = true, BlockDepth = 2, Norm = Normalization.LayerNorm };

    private static GradCheckReport Check(PlantedBug bug, Architecture? architecture = null) =>
        GradientChecker.Full(CheckProblems.Architectural(architecture ?? ResidualNormed, Activation.Tanh, seed: 13), CheckProblems.Options, new PlantedBugBackward(bug));

    private static LocalFinding First(GradCheckReport report)
    {
        Assert.Equal(GradCheckVerdict.Fail, report.Verdict);
        Assert.NotNull(report.Localization);
        return report.Localization!.First ?? throw new Xunit.Sdk.XunitException("nothing named: " + report.Localization.Summary);
    }

    public static TheoryData<int> ArchitectureIndices() => [.. Enumerable.Range(0, NetworkFactory.Architectures.Length)];

    [Theory]
    [MemberData(nameof(ArchitectureIndices))]
    public void Without_its_bug_the_hand_written_backward_matches_the_engine_and_nothing_is_localised(int index)
    {
        GradientProblem problem = CheckProblems.Architectural(NetworkFactory.Architectures[index], Activation.Softplus, seed: 30 + (ulong)index);
        BackwardTrace engine = EngineBackward.Instance.Run(problem.Network.Clone(), problem.Inputs, problem.Targets, 3, problem.Loss);
        // A loss bug leaves every layer's rule right; undo its factor of 1/2 to compare the rest with the engine.
        BackwardTrace planted = new PlantedBugBackward(new PlantedBug(PlantedBugKind.LossMissingTwo))
            .Run(problem.Network.Clone(), problem.Inputs, problem.Targets, 3, problem.Loss);
        foreach (TensorId tensor in problem.Tensors())
        {
            double[] expected = GradientProblem.GradientOf(engine, tensor);
            double[] actual = GradientProblem.GradientOf(planted, tensor).Select(v => 2 * v).ToArray();
            Assert.True(RuleComparison.Same(actual, expected) || expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) <= 1e-12),
                $"{tensor}: planted {string.Join(", ", actual.Take(3))} against engine {string.Join(", ", expected.Take(3))}");
        }
        Assert.Empty(Localizer.Locate(problem, engine, 1e-6).Findings);
    }

    [Fact]
    public void A_skip_whose_gradient_is_not_added_is_named_as_that_blocks_skip_sum()
    {
        GradCheckReport report = Check(new PlantedBug(PlantedBugKind.SkipNotAdded, 2));
        LocalFinding first = First(report);
        Assert.Equal(LocalOperation.SkipSum, first.Operation);
        Assert.Equal(2, first.Block);
        Assert.Null(first.Layer);
        Assert.Equal("residual block 2 (layers 4 to 5)", first.Site);
        Assert.Contains("the skip's share is not added", first.Message);
        // Every layer's own rule is right: nothing else in the network is blamed.
        Assert.Single(report.Localization!.Findings);
    }

    [Fact]
    public void A_skip_not_added_in_a_post_form_block_is_named_too()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.SkipNotAdded, 1), NetworkFactory.Architectures[4]));
        Assert.Equal((LocalOperation.SkipSum, 1), (first.Operation, first.Block));
        Assert.Contains("branch's dJ/dx alone", first.Message);
    }

    [Fact]
    public void A_layernorm_backward_without_its_mean_term_is_named_as_the_norm_of_its_layer()
    {
        GradCheckReport report = Check(new PlantedBug(PlantedBugKind.NormMissingMean, 3));
        LocalFinding first = First(report);
        Assert.Equal((3, LocalOperation.Normalization), (first.Layer, first.Operation));
        Assert.StartsWith("layer 3 (layernorm, tanh): layernorm backward", first.Message);
        Assert.Contains("the - mean(dzhat) term, the gradient through the row's mean mu, is missing", first.Message);
        // The gains and biases of the norm get dJ/dy, which the bug leaves right.
        Assert.DoesNotContain(report.Localization!.Findings, f => f.Operation is LocalOperation.NormGainGradient or LocalOperation.NormBiasGradient);
        Assert.Contains(report.Tensors, t => t.Name == "W3" && t.Verdict == GradCheckVerdict.Fail);
        Assert.Contains(report.Tensors, t => t.Name == "gamma3" && t.Verdict == GradCheckVerdict.Pass);
    }

    [Fact]
    public void The_fast_check_catches_both_and_falls_back_to_the_same_localisation()
    {
        foreach (var (bug, operation) in new[] { (new PlantedBug(PlantedBugKind.SkipNotAdded, 1), LocalOperation.SkipSum), (new PlantedBug(PlantedBugKind.NormMissingMean, 1), LocalOperation.Normalization) })
        {
            GradientProblem problem = CheckProblems.Architectural(ResidualNormed, Activation.Tanh, seed: 13);
            GradCheckReport fast = GradientChecker.Fast(problem, CheckProblems.Options, new PlantedBugBackward(bug));
            Assert.Equal(GradCheckVerdict.Fail, fast.Verdict);
            Assert.Equal(operation, fast.Localization!.First!.Operation);
        }
    }

    [Fact]
    public void A_classic_bug_inside_a_block_is_still_named_at_its_layer()
    {
        LocalFinding first = First(Check(new PlantedBug(PlantedBugKind.DropActivationDerivative, 4)));
        Assert.Equal((4, LocalOperation.ActivationDerivative), (first.Layer, first.Operation));
    }

    [Theory]
    [InlineData("skip-not-added@3", "the network has 2 block(s)")]
    [InlineData("norm-missing-mean@6", "layer 6 has no layernorm")]
    public void A_bug_that_does_not_fit_the_network_is_refused(string text, string expected)
    {
        Assert.True(PlantedBug.TryParse(text, out PlantedBug bug));
        GradientProblem problem = CheckProblems.Architectural(ResidualNormed, Activation.Tanh, seed: 13);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new PlantedBugBackward(bug).Validate(problem.Network));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_skip_bug_in_a_plain_network_is_refused()
    {
        GradientProblem problem = CheckProblems.Square();
        ArgumentException e = Assert.Throws<ArgumentException>(() => new PlantedBugBackward(new PlantedBug(PlantedBugKind.SkipNotAdded, 1)).Validate(problem.Network));
        Assert.Contains("no residual blocks", e.Message);
    }
}
