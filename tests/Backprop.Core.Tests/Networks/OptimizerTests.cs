using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

public class OptimizerTests
{
    private static Mlp Network()
    {
        var network = new Mlp(2, [new LayerSpec(1, Activation.Identity)]);
        network.Layers[0].Weights[0] = 1.0;
        network.Layers[0].Weights[1] = -1.0;
        return network;
    }

    [Fact]
    public void Sgd_is_w_minus_alpha_times_gradient()
    {
        Mlp network = Network();
        network.ComputeGradients([1, 2], [3], 1, Loss.MeanSquaredError);
        double[] before = (double[])network.Layers[0].Weights.Clone();
        double[] g = (double[])network.Layers[0].WeightGradient.Clone();
        new Sgd(0.1).Step(network);
        Assert.Equal(before[0] - 0.1 * g[0], network.Layers[0].Weights[0]);
        Assert.Equal(before[1] - 0.1 * g[1], network.Layers[0].Weights[1]);
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_about_the_learning_rate_against_its_gradient_sign()
    {
        Mlp network = Network();
        network.ComputeGradients([1, 2], [3], 1, Loss.MeanSquaredError);
        double[] before = (double[])network.Layers[0].Weights.Clone();
        double[] g = (double[])network.Layers[0].WeightGradient.Clone();
        new Adam(0.01).Step(network);
        // After bias correction mhat = g and vhat = g^2, so the step is alpha g / (|g| + eps).
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(before[i] - 0.01 * g[i] / (Math.Abs(g[i]) + 1e-8), network.Layers[0].Weights[i], 1e-15);
        }
    }

    [Fact]
    public void Momentum_accumulates_velocity()
    {
        Mlp network = Network();
        var opt = new Momentum(0.1, 0.5);
        network.ComputeGradients([1, 2], [3], 1, Loss.MeanSquaredError);
        double g1 = network.Layers[0].WeightGradient[0];
        double w0 = network.Layers[0].Weights[0];
        opt.Step(network);
        network.ComputeGradients([1, 2], [3], 1, Loss.MeanSquaredError);
        double g2 = network.Layers[0].WeightGradient[0];
        opt.Step(network);
        // v1 = g1, v2 = 0.5 g1 + g2.
        Assert.Equal(w0 - 0.1 * g1 - 0.1 * (0.5 * g1 + g2), network.Layers[0].Weights[0], 1e-14);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adam")]
    public void Every_optimizer_reduces_the_loss_of_a_small_regression(string name)
    {
        Mlp network = NetworkFactory.Random(3, [8, 1], Activation.Tanh, Activation.Identity, new Initializer(InitializerKind.XavierNormal), 4);
        double[] x = NetworkFactory.Matrix(16, 3, 5);
        double[] y = NetworkFactory.Matrix(16, 1, 6, 0.5);
        Optimizer opt = name switch { "sgd" => new Sgd(0.05), "momentum" => new Momentum(0.02), _ => new Adam(0.01) };
        double first = network.ComputeGradients(x, y, 16, Loss.MeanSquaredError);
        double last = first;
        for (int step = 0; step < 200; step++)
        {
            opt.Step(network);
            last = network.ComputeGradients(x, y, 16, Loss.MeanSquaredError);
        }
        Assert.True(last < 0.5 * first, $"{name}: loss went from {first} to {last}");
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.1, beta1: 1.0));
    }
}
