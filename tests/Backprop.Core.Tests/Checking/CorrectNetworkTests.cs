using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Tests.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Checking;

/// <summary>The engine's gradients pass for every activation, loss and initialiser, depth 1 to 8.</summary>
public class CorrectNetworkTests
{
    private static readonly InitializerKind[] Initializers = Enum.GetValues<InitializerKind>();

    [Theory]
    [MemberData(nameof(DenseVersusGraphTests.Cases), MemberType = typeof(DenseVersusGraphTests))] // every activation x both losses
    public void Engine_gradients_pass_at_every_depth_from_1_to_8(int activation, string lossName)
    {
        Activation phi = NetworkFactory.AllActivations[activation];
        Assert.True(Loss.TryParse(lossName, out Loss loss));
        for (int depth = 1; depth <= 8; depth++)
        {
            var init = new Initializer(Initializers[(depth + activation) % Initializers.Length], SigmaB: 0.1);
            int[] widths = Enumerable.Range(0, depth).Select(l => 3 + (l + depth) % 3).ToArray();
            GradientProblem problem = CheckProblems.Random(3, widths, phi, phi, loss, 3, seed: (ulong)(depth * 31 + activation), init);
            GradCheckReport report = GradientChecker.Full(problem, CheckProblems.Options);
            Assert.True(report.Passed, $"{phi}, {loss}, depth {depth}, {init.Kind}: {report.Verdict}: " +
                string.Join("; ", report.Tensors.Where(t => t.Verdict != GradCheckVerdict.Pass).Select(t => $"{t.Name} max {t.MaxRelativeError:E2}")));
        }
    }

    [Theory]
    [InlineData(InitializerKind.Gaussian)]
    [InlineData(InitializerKind.Standard)]
    [InlineData(InitializerKind.XavierUniform)]
    [InlineData(InitializerKind.XavierNormal)]
    [InlineData(InitializerKind.HeUniform)]
    [InlineData(InitializerKind.HeNormal)]
    [InlineData(InitializerKind.LeCunNormal)]
    [InlineData(InitializerKind.Orthogonal)]
    public void Every_initialiser_passes_on_a_depth_4_network(InitializerKind kind)
    {
        GradientProblem problem = CheckProblems.Random(4, [5, 5, 5, 2], Activation.Gelu, Activation.Identity, Loss.MeanSquaredError, 4, seed: 3, new Initializer(kind));
        GradCheckReport full = GradientChecker.Full(problem, CheckProblems.Options);
        Assert.Equal(GradCheckVerdict.Pass, full.Verdict);
        Assert.All(full.Tensors, t => Assert.True(t.MaxRelativeError <= ErrorBands.Fine, $"{t.Name}: {t.MaxRelativeError:E2}"));
        Assert.Null(full.Localization);
    }

    [Fact]
    public void Sampling_checks_k_entries_per_tensor()
    {
        GradientProblem problem = CheckProblems.Random(6, [8, 8, 3], Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, 5, seed: 2);
        GradCheckReport report = GradientChecker.Full(problem, CheckProblems.Options with { SamplePerTensor = 4 });
        Assert.All(report.Tensors, t => Assert.Equal(Math.Min(4, t.Size), t.Checked));
        Assert.True(report.Passed);
    }

    [Fact]
    public void One_thread_and_two_give_the_same_report()
    {
        GradientProblem problem = CheckProblems.Random(3, [4, 4, 2], Activation.Softplus, Activation.Identity, Loss.MeanSquaredError, 3, seed: 9);
        GradCheckReport one = GradientChecker.Full(problem, CheckProblems.Options with { Threads = 1 });
        GradCheckReport two = GradientChecker.Full(problem, CheckProblems.Options with { Threads = 2 });
        Assert.Equal(one.Tensors.Select(t => t.MaxRelativeError), two.Tensors.Select(t => t.MaxRelativeError));
    }

    [Fact]
    public void The_check_leaves_the_network_unchanged()
    {
        GradientProblem problem = CheckProblems.Square();
        double[] before = problem.Network.Layers[0].Weights.ToArray();
        double[] inputs = problem.Inputs.ToArray();
        GradientChecker.Full(problem, CheckProblems.Options);
        GradientChecker.Fast(problem, CheckProblems.Options);
        Assert.Equal(before, problem.Network.Layers[0].Weights);
        Assert.Equal(inputs, problem.Inputs);
    }
}
