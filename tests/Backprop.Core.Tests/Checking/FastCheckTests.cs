using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Checking;

/// <summary>The fast (directional) check agrees with the full check and falls back to it to show where.</summary>
public class FastCheckTests
{
    [Fact]
    public void Fast_and_full_give_the_same_verdict_on_100_random_networks_correct_and_bugged()
    {
        var rng = new Rng(2024);
        // The bugs a plain network can hold (the skip and norm bugs are drawn in ArchitecturePlantedBugTests).
        var kinds = Enum.GetValues<PlantedBugKind>().Where(k => k is not (PlantedBugKind.SkipNotAdded or PlantedBugKind.NormMissingMean)).ToArray();
        int bugged = 0;
        for (int n = 0; n < 100; n++)
        {
            int width = 2 + rng.NextInt(3);
            int depth = 2 + rng.NextInt(3);
            Activation phi = NetworkFactory.AllActivations[rng.NextInt(NetworkFactory.AllActivations.Length)];
            Loss loss = rng.NextInt(2) == 0 ? Loss.MeanSquaredError : Loss.SoftmaxCrossEntropy;
            GradientProblem problem = CheckProblems.Random(width, Enumerable.Repeat(width, depth).ToArray(), phi, Activation.Identity, loss, 2 + rng.NextInt(3), (ulong)(1000 + n));
            IBackwardPass backward = EngineBackward.Instance;
            if (n % 2 == 1)
            {
                var kind = kinds[rng.NextInt(kinds.Length)];
                int layer = kind == PlantedBugKind.ShiftedDelta ? 1 + rng.NextInt(depth - 1) : 1 + rng.NextInt(depth);
                backward = new PlantedBugBackward(new PlantedBug(kind, layer));
                bugged++;
            }
            GradCheckReport full = GradientChecker.Full(problem, CheckProblems.Options, backward);
            GradCheckReport fast = GradientChecker.Fast(problem, CheckProblems.Options, backward);
            Assert.True(full.Verdict == fast.Verdict, $"network {n} ({phi}, {loss}, {backward.Name}): full {full.Verdict}, fast {fast.Verdict}");
        }
        Assert.Equal(50, bugged);
    }

    [Fact]
    public void A_passing_fast_check_costs_no_entry_by_entry_work()
    {
        GradCheckReport fast = GradientChecker.Fast(CheckProblems.Square(), CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, fast.Verdict);
        Assert.Empty(fast.Tensors);
        Assert.NotNull(fast.Fast);
        Assert.True(fast.Fast!.RelativeError <= ErrorBands.Excellent);
    }

    [Fact]
    public void A_failing_fast_check_falls_back_to_the_full_check_of_the_tensors_involved()
    {
        GradCheckReport fast = GradientChecker.Fast(CheckProblems.Square(), CheckProblems.Options,
            new PlantedBugBackward(new PlantedBug(PlantedBugKind.OverwriteFanOut, 2)));
        Assert.Equal(GradCheckVerdict.Fail, fast.Verdict);
        Assert.Equal(EntryVerdict.Fail, fast.Fast!.PerTensor.Single(t => t.Tensor == "b2").Verdict);
        Assert.Contains(fast.Tensors, t => t.Name == "b2" && t.Verdict == GradCheckVerdict.Fail);
        Assert.DoesNotContain(fast.Tensors, t => t.Name == "W3");
        Assert.Equal(LocalOperation.BiasGradient, fast.Localization!.First!.Operation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_fast_check_runs_on_the_network_itself_and_leaves_its_parameters_and_the_inputs_bit_for_bit(bool bugged)
    {
        // Both paths: a pass (one direction), and a failure (a direction per tensor, then the full check).
        GradientProblem problem = CheckProblems.Random(5, [6, 6, 3], Activation.Relu, Activation.Identity, Loss.SoftmaxCrossEntropy, 4, seed: 12);
        long[] parameters = Bits(problem.Network);
        long[] inputs = problem.Inputs.Select(BitConverter.DoubleToInt64Bits).ToArray();
        IBackwardPass backward = bugged ? new PlantedBugBackward(new PlantedBug(PlantedBugKind.TransposedWeights, 2)) : EngineBackward.Instance;
        GradCheckReport report = GradientChecker.Fast(problem, CheckProblems.Options, backward);
        Assert.Equal(bugged ? GradCheckVerdict.Fail : GradCheckVerdict.Pass, report.Verdict);
        Assert.Equal(parameters, Bits(problem.Network));
        Assert.Equal(inputs, problem.Inputs.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void A_backward_pass_that_moves_the_weights_cannot_move_the_point_checked_or_leave_them_moved()
    {
        GradientProblem problem = CheckProblems.Square(seed: 8);
        GradCheckReport clean = GradientChecker.Fast(problem, CheckProblems.Options);
        long[] parameters = Bits(problem.Network);
        GradCheckReport scribbled = GradientChecker.Fast(problem, CheckProblems.Options, new ScribblingBackward());
        Assert.Equal(parameters, Bits(problem.Network));
        Assert.Equal(clean.Fast!.Numeric, scribbled.Fast!.Numeric);
        Assert.Equal(GradCheckVerdict.Pass, scribbled.Verdict);
    }

    [Fact]
    public void A_warm_fast_check_allocates_no_copy_of_the_network()
    {
        // A fact, not a timing: the clone, trace copies and saved tensors are gone; what is left is the report.
        GradientProblem problem = CheckProblems.Random(128, [128, 128, 128], Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, 16, seed: 4);
        var options = CheckProblems.Options with { Threads = 1 };
        GradientChecker.Fast(problem, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        GradCheckReport report = GradientChecker.Fast(problem, options);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(GradCheckVerdict.Pass, report.Verdict);
        long parameterBytes = problem.Network.ParameterCount * sizeof(double);
        Assert.True(allocated < parameterBytes / 10, $"{allocated} bytes allocated; the parameters take {parameterBytes}");
    }

    private static long[] Bits(Mlp network) =>
        network.Layers.SelectMany(l => l.Weights.Concat(l.Biases)).Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>The engine's gradients, computed after adding 1 to every weight and bias: a careless user backward.</summary>
    private sealed class ScribblingBackward : IBackwardPass
    {
        public string Name => "scribbling";

        public BackwardTrace Run(Mlp network, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int m, Loss loss)
        {
            BackwardTrace trace = EngineBackward.Instance.Run(network, inputs, targets, m, loss);
            foreach (DenseLayer layer in network.Layers)
            {
                for (int i = 0; i < layer.Weights.Length; i++)
                {
                    layer.Weights[i] += 1;
                }
                for (int i = 0; i < layer.Biases.Length; i++)
                {
                    layer.Biases[i] += 1;
                }
            }
            return trace;
        }
    }
}
