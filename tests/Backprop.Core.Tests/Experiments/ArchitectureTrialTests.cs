using Backprop.Core.Experiments;
using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Experiments;

/// <summary>Trials of residual and normalised networks: their keys, their networks, and the gradient flow they are for.</summary>
public class ArchitectureTrialTests
{
    private static readonly TrialConfig Deep = new()
    {
        Depth = 33, Width = 64, Activation = "tanh", SigmaW2 = 0.5, SigmaB = 0.3, Dataset = "teacher", Samples = 64, BatchSize = 64, Steps = 0, Seed = 1,
    };

    [Fact]
    public void The_architecture_fields_at_their_defaults_leave_a_trials_key_as_it_was()
    {
        // The canonical text of a plain trial has no architecture fields, so keys written before they existed still match.
        Assert.DoesNotContain("architecture", Deep.Canonical());
        Assert.Equal(Deep.Key(), (Deep with { BlockDepth = 2, ResidualScale = "1", BlockForm = "pre", Norm = "none" }).Key());
        Assert.NotEqual(Deep.Key(), (Deep with { Architecture = "residual" }).Key());
        Assert.NotEqual(Deep.Key(), (Deep with { Norm = "layernorm" }).Key());
        Assert.Contains(new KeyValuePair<string, string>("architecture", "plain"), Deep.Fields());
    }

    [Fact]
    public void A_residual_trial_keeps_the_gradient_that_a_plain_one_loses_at_depth()
    {
        // tanh at sigma_w^2 = 0.5, sigma_b^2 = 0.09 is deep in the ordered phase: a plain net's gradient shrinks by
        // chi1 ~ 0.5 a layer. (With sigma_b = 0 the activations shrink as fast as the deltas and the weight gradients'
        // ratio stays near 1: q* = 0 there.)
        TrialResult plain = TrialRunner.Run(Deep);
        TrialResult residual = TrialRunner.Run(Deep with { Architecture = "residual" });
        double plainRatio = plain.Summary!.FirstLastRatioInit, residualRatio = residual.Summary!.FirstLastRatioInit;
        Assert.True(plainRatio < 1e-3, $"plain first/last gradient ratio {plainRatio}");
        Assert.InRange(residualRatio, 0.1, 10);
    }

    [Fact]
    public void A_trial_carries_its_own_architectures_prediction_and_none_where_theory_has_no_closed_form()
    {
        TrialConfig shallow = Deep with { Depth = 5 };
        double plain = TrialRunner.Run(shallow).Summary!.Chi1Predicted!.Value;
        double normed = TrialRunner.Run(shallow with { Norm = "layernorm" }).Summary!.Chi1Predicted!.Value;
        // chi_LN = sw2 E[phi'(u)^2] / (sw2 E[phi(u)^2] + sb2), u ~ N(0, 1): the norm sets q = 1 whatever sigma_w.
        Assert.Equal(Backprop.Core.Theory.ArchitectureTheory.Predict(Activation.Tanh, 0.5, 0.09, 5, Backprop.Core.Theory.MeanFieldArchitecture.Plain(true)).LogSlope!.Value, Math.Log(normed), 12);
        Assert.NotEqual(plain, normed, 2);
        TrialSummary post = TrialRunner.Run(shallow with { Architecture = "residual", BlockForm = "post" }).Summary!;
        Assert.Null(post.Chi1Predicted);
        Assert.Null(post.LogSlopePredicted);
        Assert.NotNull(TrialRunner.Run(shallow with { Architecture = "residual" }).Summary!.LogSlopePredicted);
    }

    [Fact]
    public void A_trial_network_has_the_architecture_its_configuration_names()
    {
        TrialConfig config = Deep with { Depth = 7, Architecture = "residual", BlockDepth = 3, BlockForm = "post", ResidualScale = "0.5", Norm = "layernorm" };
        Mlp network = TrialRunner.BuildNetwork(config, Backprop.Core.Experiments.Data.Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed));
        Assert.Equal([(1, 3), (4, 6)], network.Blocks.Select(b => (b.First, b.Last)));
        Assert.All(network.Blocks, b => Assert.Equal(0.5, b.Scale));
        Assert.Equal(7, network.Layers.Count(l => l.Norm == Normalization.LayerNorm));
        Assert.Equal(Normalization.None, network.Layers[^1].Norm);
    }

    [Fact]
    public void In_the_shipped_architectures_sweep_the_deepest_plain_net_vanishes_and_the_residual_one_does_not()
    {
        string file = Path.Combine(Backprop.Tests.Shared.Repository.Root(), "experiments", "architectures.json");
        var grid = new SweepGrid(SweepFile.Load(file));
        var deepest = Enumerable.Range(0, (int)grid.Count).Select(i => grid.At(i).Config)
            .Where(c => c is { Activation: "tanh", Depth: 65, SigmaW2: 0.5, Norm: "none" }).ToArray();
        TrialResult plain = TrialRunner.Run(deepest.Single(c => c.Architecture == "plain") with { Steps = 0 });
        TrialResult residual = TrialRunner.Run(deepest.Single(c => c.Architecture == "residual") with { Steps = 0 });
        Assert.Equal(FlowRegime.Vanishing, plain.Regime);
        Assert.Equal(FlowRegime.Stable, residual.Regime);
    }

    [Fact]
    public void A_sweep_asking_for_batchnorm_is_told_why_there_is_none()
    {
        var e = Assert.Throws<Backprop.Core.Serialization.InputFileException>(() => SweepFile.Parse("b.json", """{ "name": "b", "base": { "norm": "batchnorm" } }"""));
        Assert.Contains("unknown norm \"batchnorm\"", e.Message);
        Assert.Contains(Architecture.BatchNormRefusal, e.Message);
    }

    [Fact]
    public void A_sweep_whose_depths_the_blocks_do_not_divide_is_refused_before_any_trial()
    {
        const string text = """{ "name": "a", "base": { "architecture": "residual", "block_depth": 2, "steps": 0 }, "grid": { "depth": [5, 8] } }""";
        var e = Assert.Throws<Backprop.Core.Serialization.InputFileException>(() => SweepFile.Parse("a.json", text));
        Assert.Contains("8 hidden layers are not 1 plus a multiple of 2 (try 7 or 9)", e.Message);
    }
}
