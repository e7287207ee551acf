using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

public class TrialRunnerTests
{
    private static readonly TrialConfig Small = new()
    {
        Depth = 3, Width = 16, Activation = "tanh", Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 25, RecordEvery = 10, LearningRate = 0.05,
    };

    [Fact]
    public void Records_step_zero_every_interval_and_the_last_step()
    {
        TrialResult result = TrialRunner.Run(Small);
        Assert.Equal([0, 10, 20, 25], result.Checkpoints.Select(c => c.Step));
        Assert.All(result.Checkpoints, c => Assert.Equal(4, c.Layers.Count)); // 3 hidden + readout
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Null(result.DivergedAtStep);
        Assert.True(result.FinalLoss < result.Checkpoints[0].Loss, "training did not reduce the loss");
    }

    [Theory]
    [InlineData("teacher")]
    [InlineData("gaussian")] // no readout: the cotangent has the last hidden layer's width
    public void Per_layer_widths_build_those_layers_and_train(string dataset)
    {
        TrialConfig config = Small with { Widths = [32, 16, 8], Dataset = dataset };
        var data = Core.Experiments.Data.Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed, config.TopWidth);
        var network = TrialRunner.BuildNetwork(config, data);
        int[] expected = dataset == "teacher" ? [32, 16, 8, 1] : [32, 16, 8];
        Assert.Equal(expected, network.Layers.Select(l => l.OutputSize));
        Assert.Equal(dataset == "teacher" ? 16 : 32, network.Layers[0].InputSize);
        TrialResult result = TrialRunner.Run(config);
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.All(result.Checkpoints, c => Assert.Equal(expected.Length, c.Layers.Count));
        Assert.Equal(8, result.Summary!.JacobianInit!.Size);
    }

    [Fact]
    public void Same_config_gives_bit_identical_results()
    {
        TrialResult a = TrialRunner.Run(Small), b = TrialRunner.Run(Small);
        Assert.Equal(ResultFormat.ToJsonLine(a with { Seconds = 0 }), ResultFormat.ToJsonLine(b with { Seconds = 0 }));
    }

    [Fact]
    public void Layer_statistics_are_the_norms_of_the_network_gradients()
    {
        TrialConfig config = Small with { Steps = 0 };
        var data = Core.Experiments.Data.Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        var network = TrialRunner.BuildNetwork(config, data);
        var batches = new Core.Experiments.Data.MiniBatcher(data, config.BatchSize, config.Seed);
        batches.Next();
        network.ComputeGradients(batches.Inputs, batches.Targets, batches.BatchSize, Core.Networks.Loss.MeanSquaredError);
        LayerStats first = TrialRunner.Run(config).Checkpoints[0].Layers[0];
        double[] g = network.Layers[0].WeightGradient;
        Assert.Equal(Math.Sqrt(g.Sum(v => v * v)), first.GradWNorm, 1e-12);
        Assert.Equal(g.Max(Math.Abs), first.GradAbsMax, 1e-15);
        Assert.Equal(g.Average(Math.Abs), first.GradAbsMean, 1e-15);
        // Per-example delta is m dJ/dz, so the batch mean of its squared norm is m * sum(delta^2).
        Assert.Equal(batches.BatchSize * network.Layers[0].Delta.ToArray().Sum(v => v * v), first.DeltaSq, 1e-12);
        double[] a = network.Layers[0].Output.ToArray();
        Assert.Equal(a.Average(), first.ActMean, 1e-12);
        Assert.Equal(a.Count(v => Math.Abs(v) > 0.99) / (double)a.Length, first.Saturated);
    }

    [Fact]
    public async Task A_diverging_configuration_is_an_outcome_and_the_rest_of_its_sweep_completes()
    {
        // relu, sigma_w = 3 (sw2 = 9), depth 30, learning rate 1: the forward signal grows 4.5x per layer.
        TrialConfig diverging = new() { Activation = "relu", SigmaW2 = 9, Depth = 30, Width = 32, LearningRate = 1, Dataset = "teacher", Samples = 64, BatchSize = 32, Steps = 50 };
        TrialConfig[] sweep = [Small, diverging, Small with { Seed = 1 }];
        IReadOnlyList<TrialResult> results = await SweepExecutor.RunAsync(sweep);
        Assert.Equal(3, results.Count);
        TrialResult d = results.Single(r => r.Config == diverging);
        Assert.Equal(Outcome.Diverged, d.Outcome);
        Assert.NotNull(d.DivergedAtStep);
        Assert.Equal(d.DivergedAtStep, d.Checkpoints[^1].Step);
        Assert.All(results.Where(r => r.Config != diverging), r => Assert.Equal(Outcome.Ok, r.Outcome));
    }

    [Fact]
    public void A_sigmoid_net_this_deep_vanishes_and_that_is_its_regime_not_its_outcome()
    {
        // chi1 ~ 0.056 per layer: over 59 layers |delta| shrinks by 0.056^(59/2) ~ 1e-37.
        TrialConfig config = new() { Activation = "sigmoid", SigmaW2 = 1, Depth = 60, Width = 32, Dataset = "gaussian", Samples = 8, BatchSize = 8, Steps = 0 };
        TrialResult result = TrialRunner.Run(config);
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal(FlowRegime.Vanishing, result.Regime);
        Assert.True(result.Summary!.DeltaRatioInit < 1e-30);
    }

    [Fact]
    public void A_loss_grown_a_millionfold_is_divergence_at_that_step_though_every_number_is_finite()
    {
        // tanh at learning rate 0.5: the readout's weights grow each step while the saturated hidden layers pass no
        // gradient, so the loss climbs by hundreds of orders of magnitude with no NaN or infinity.
        TrialConfig config = new() { Activation = "tanh", SigmaW2 = 1, Depth = 4, Width = 64, Dataset = "teacher", Samples = 512, BatchSize = 64, Steps = 100, LearningRate = 0.5, RecordEvery = 25 };
        TrialResult result = TrialRunner.Run(config);
        Assert.Equal(Outcome.Diverged, result.Outcome);
        Checkpoint last = result.Checkpoints[^1];
        Assert.Equal(result.DivergedAtStep, last.Step);
        Assert.NotEqual(0, last.Step % config.RecordEvery); // recorded because it diverged, not because it was due
        double initial = result.Checkpoints[0].Loss;
        Assert.True(double.IsFinite(last.Loss) && last.Loss > Divergence.GrowthFactor * initial, $"loss {last.Loss} from {initial}");
        Assert.All(result.Checkpoints.SkipLast(1), c => Assert.True(c.Loss <= Divergence.GrowthFactor * initial));
        Assert.Equal(last.Loss, result.FinalLoss);
    }

    [Fact]
    public void A_throwing_trial_becomes_a_failed_result()
    {
        TrialConfig broken = Small with { Activation = "no-such-activation" };
        TrialResult result = SweepExecutor.RunOne(broken);
        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Contains("no-such-activation", result.Error);
    }

    [Fact]
    public void Results_round_trip_through_a_json_line()
    {
        TrialResult result = TrialRunner.Run(Small);
        string line = ResultFormat.ToJsonLine(result);
        Assert.DoesNotContain('\n', line);
        TrialResult? back = ResultFormat.FromJsonLine(line, out string? problem);
        Assert.Null(problem);
        Assert.Equal(line, ResultFormat.ToJsonLine(back!));
        Assert.Null(ResultFormat.FromJsonLine(line[..(line.Length / 2)], out problem));
        Assert.Equal("truncated or malformed JSON", problem);
        Assert.Null(ResultFormat.FromJsonLine(line.Replace("\"schema\":5", "\"schema\":0", StringComparison.Ordinal), out problem));
        Assert.Equal("schema 0, expected 1 to 5", problem);
        // Without the field the record is not taken for the current version (the property's default is that version).
        Assert.EndsWith(",\"schema\":5,\"regime\":\"stable\"}", line);
        Assert.Null(ResultFormat.FromJsonLine(line.Replace(",\"schema\":5,", ",", StringComparison.Ordinal), out problem));
        Assert.Equal("schema missing, expected 1 to 5", problem);
        Assert.Null(ResultFormat.FromJsonLine("{\"schema\":5}", out problem));
        Assert.Equal("not a trial record", problem);
        Assert.Null(ResultFormat.FromJsonLine(line.Replace("\"outcome\":\"ok\"", "\"outcome\":0", StringComparison.Ordinal), out problem));
        Assert.Equal("unreadable value at $.outcome", problem); // an outcome is a name, never a number
    }

    [Fact]
    public void Csv_row_has_one_cell_per_column()
    {
        TrialResult result = TrialRunner.Run(Small);
        Assert.Equal(ResultFormat.CsvColumns.Length, ResultFormat.CsvRow(result).Split(',').Length);
    }
}
