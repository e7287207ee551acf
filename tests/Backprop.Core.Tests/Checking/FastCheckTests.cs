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
        var kinds = Enum.GetValues<PlantedBugKind>();
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
}
