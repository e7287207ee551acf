using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

public class MlpGradientTests
{
    public static TheoryData<int, string, int> ActivationLossCases()
    {
        var data = new TheoryData<int, string, int>();
        for (int a = 0; a < NetworkFactory.AllActivations.Length; a++)
        {
            foreach (string loss in new[] { "mse", "softmax_cross_entropy" })
            {
                foreach (int depth in new[] { 1, 2, 3, 4, 5, 6 })
                {
                    data.Add(a, loss, depth);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ActivationLossCases))]
    public void Gradients_match_central_differences_for_every_activation_loss_and_depth(int activationIndex, string lossName, int depth)
    {
        Activation activation = NetworkFactory.AllActivations[activationIndex];
        Assert.True(Loss.TryParse(lossName, out Loss loss));
        ulong seed = (ulong)(1000 * activationIndex + 10 * depth + lossName.Length);
        int[] widths = Enumerable.Range(0, depth).Select(l => l == depth - 1 ? 3 : 4 + l % 2).ToArray();
        // Biases drawn too (sigma_b = 0.3) so the bias gradients are exercised away from zero.
        Mlp network = NetworkFactory.Random(3, widths, activation, loss == Loss.MeanSquaredError ? activation : Activation.Identity,
            new Initializer(InitializerKind.Gaussian, SigmaW: 1.2, SigmaB: 0.3), seed);
        double[] x = NetworkFactory.Matrix(5, 3, seed + 1);
        double[] y = NetworkFactory.Targets(loss, 5, 3, seed + 2);
        int skipped = new FiniteDifference(network, x, y, 5, loss).AssertMatchesAnalytic($"{activation} {loss} depth {depth}");
        Assert.True(skipped <= 2, $"{skipped} entries crossed a kink; expected at most a couple");
    }

    public static TheoryData<string> InitializerNames() => new(Initializer.Names);

    [Theory]
    [MemberData(nameof(InitializerNames))]
    public void Gradients_match_central_differences_for_every_initialiser(string name)
    {
        Assert.True(Initializer.TryParseKind(name, out InitializerKind kind));
        foreach (int depth in new[] { 1, 3, 6 })
        {
            ulong seed = (ulong)(31 * depth + (int)kind);
            Mlp network = NetworkFactory.Random(4, Enumerable.Repeat(5, depth).ToArray(), Activation.Tanh, Activation.Identity,
                new Initializer(kind, SigmaW: 1.5, SigmaB: 0.1, Gain: 1.1), seed);
            double[] x = NetworkFactory.Matrix(3, 4, seed + 7);
            double[] y = NetworkFactory.Matrix(3, 5, seed + 8);
            new FiniteDifference(network, x, y, 3, Loss.MeanSquaredError).AssertMatchesAnalytic($"{name} depth {depth}");
        }
    }

    [Fact]
    public void Seed_linear_network_input_gradient_is_the_sum_over_the_two_paths()
    {
        // Inputs x1, x2; hidden units 1, 2; one output; L = (y - y_hat)^2.
        // dL/dx2 = -2 (y - y_hat) (w11[2] w12[1] + w12[2] w22[1]): path x2 -> h1 -> y_hat plus path x2 -> h2 -> y_hat.
        var network = new Mlp(2, [new LayerSpec(2, Activation.Identity), new LayerSpec(1, Activation.Identity)]);
        DenseLayer l1 = network.Layers[0], l2 = network.Layers[1];
        (l1[0, 0], l1[0, 1], l1[1, 0], l1[1, 1]) = (0.5, -0.25, 0.75, 1.0);
        (l2[0, 0], l2[0, 1]) = (1.5, -2.0);
        double x1 = 1.0, x2 = 2.0, y = 1.0;
        double j = network.ComputeGradients([x1, x2], [y], 1, Loss.MeanSquaredError);
        double yHat = l2[0, 0] * (l1[0, 0] * x1 + l1[0, 1] * x2) + l2[0, 1] * (l1[1, 0] * x1 + l1[1, 1] * x2);
        Assert.Equal((y - yHat) * (y - yHat), j);
        double pathSum = -2 * (y - yHat) * (l2[0, 0] * l1[0, 1] + l2[0, 1] * l1[1, 1]);
        Assert.Equal(30.875, pathSum);
        Assert.Equal(pathSum, network.InputGradient[1]);
        Assert.Equal(-2 * (y - yHat) * (l2[0, 0] * l1[0, 0] + l2[0, 1] * l1[1, 0]), network.InputGradient[0]);
    }

    [Fact]
    public void Deltas_are_kept_per_layer_and_match_the_backward_recursion()
    {
        Mlp network = NetworkFactory.Random(3, [4, 4, 2], Activation.Tanh, Activation.Identity, new Initializer(InitializerKind.Gaussian), 5);
        double[] x = NetworkFactory.Matrix(2, 3, 6);
        double[] y = NetworkFactory.Matrix(2, 2, 7);
        network.ComputeGradients(x, y, 2, Loss.MeanSquaredError);
        // delta_L = dJ/dyhat for an identity output; delta_l = (delta_{l+1} W_{l+1}) * tanh'(z_l).
        Assert.Equal(network.OutputGradient.ToArray(), network.Layers[2].Delta.ToArray());
        DenseLayer upper = network.Layers[2], lower = network.Layers[1];
        for (int i = 0; i < 2; i++)
        {
            for (int k = 0; k < 4; k++)
            {
                double back = 0;
                for (int j = 0; j < 2; j++)
                {
                    back += upper.Delta[i * 2 + j] * upper[j, k];
                }
                double a = lower.Output[i * 4 + k];
                Assert.Equal(back * (1 - a * a), lower.Delta[i * 4 + k], 1e-15);
            }
        }
    }

    [Fact]
    public void Gradients_are_overwritten_not_accumulated_across_calls()
    {
        Mlp network = NetworkFactory.Random(2, [3, 1], Activation.Sigmoid, Activation.Identity, new Initializer(InitializerKind.HeNormal), 9);
        double[] x = NetworkFactory.Matrix(4, 2, 10);
        double[] y = NetworkFactory.Matrix(4, 1, 11);
        network.ComputeGradients(x, y, 4, Loss.MeanSquaredError);
        double[] first = (double[])network.Layers[0].WeightGradient.Clone();
        network.ComputeGradients(x, y, 4, Loss.MeanSquaredError);
        Assert.Equal(first, network.Layers[0].WeightGradient);
    }

    [Fact]
    public void Batch_size_can_change_between_calls()
    {
        Mlp network = NetworkFactory.Random(2, [3, 2], Activation.Gelu, Activation.Identity, new Initializer(InitializerKind.XavierNormal), 12);
        double[] big = NetworkFactory.Matrix(6, 2, 13);
        double[] bigY = NetworkFactory.Matrix(6, 2, 14);
        network.ComputeGradients(big, bigY, 6, Loss.MeanSquaredError);
        new FiniteDifference(network, big[..4], bigY[..4], 2, Loss.MeanSquaredError).AssertMatchesAnalytic("batch 6 then 2");
    }
}
