using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

public class NetworkBackwardTests
{
    [Fact]
    public void Random_small_networks_steps_equal_the_dense_engines_gradients_and_add_up_their_contributions()
    {
        var rng = new Random(17);
        Activation[] activations = [Activation.Identity, Activation.Tanh, Activation.Sigmoid, Activation.Relu];
        int checkedSteps = 0;
        for (int n = 0; n < 100; n++)
        {
            int inputs = rng.Next(1, 4);
            var network = new Mlp(inputs, Enumerable.Range(0, rng.Next(1, 4)).Select(_ => new LayerSpec(rng.Next(1, 4), activations[rng.Next(activations.Length)])).ToArray());
            foreach (var layer in network.Layers)
            {
                for (int i = 0; i < layer.Weights.Length; i++)
                {
                    layer.Weights[i] = (rng.NextDouble() * 2) - 1;
                }
            }

            var x = Enumerable.Range(0, inputs).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
            var y = Enumerable.Range(0, network.OutputSize).Select(_ => rng.NextDouble()).ToArray();
            var loss = rng.Next(2) == 0 ? Loss.MeanSquaredError : Loss.SoftmaxCrossEntropy;
            var steps = NetworkPathSum.Create(network, loss, x, y, new NetworkParameter(ParameterKind.Input, 0, 1, 0), 1000).Backward();
            foreach (var wrt in PathSumPropertyTests.AllParameters(network))
            {
                var step = steps.Single(s => s.Symbol.Text == wrt.Text);
                double backprop = NetworkPathSum.Create(network, loss, x, y, wrt, 1000).Backprop;
                Assert.True(Math.Abs(step.Value - backprop) <= 1e-12 * Math.Max(1, Math.Abs(backprop)), $"{wrt.Text}: step {step.Value:R}, backprop {backprop:R}");
                checkedSteps++;
            }

            Assert.All(steps, s => Assert.Equal(s.Value, s.Contributions.Sum(c => c.Value)));
            // Each unit's steps come after every step of the layer above, whose dL/dz they use.
            var order = steps.Select(s => int.Parse(s.Unit[1..s.Unit.IndexOf('u')], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(order.OrderByDescending(l => l), order);
        }

        Assert.True(checkedSteps > 500, $"only {checkedSteps} steps were checked");
    }

    [Fact]
    public void The_worked_example_passes_minus_13_down_to_dL_dx2_as_the_sum_where_the_two_hidden_units_meet()
    {
        var network = new Mlp(2, [new LayerSpec(2, Activation.Identity), new LayerSpec(1, Activation.Identity)]);
        network.Layers[0][0, 0] = 0.5;
        network.Layers[0][0, 1] = -0.25;
        network.Layers[0][1, 0] = 0.75;
        network.Layers[0][1, 1] = 1;
        network.Layers[1][0, 0] = 1.5;
        network.Layers[1][0, 1] = -2;
        var steps = NetworkPathSum.Create(network, Loss.MeanSquaredError, [1, 2], [1], new NetworkParameter(ParameterKind.Input, 0, 2, 0), 10).Backward();

        Assert.Equal("dL/da1[2] = -2(y - y_hat) = -13", steps[0].Line);
        Assert.Equal("dL/dz1[2] = dL/da1[2] x 1 = -13 x 1 = -13", steps[1].Line);
        var last = steps[^1];
        Assert.Equal("dL/dx2 = dL/dz1[1] x w12[1] + dL/dz2[1] x w22[1] = -19.5 x -0.25 + 26 x 1 = 30.875", last.Line);
        Assert.Equal(["l1u0", "l1u1"], last.Contributions.Select(c => c.From));
        Assert.Equal("l0u1->l1u0", steps.Single(s => s.Symbol.Text == "w12[1]").Edge);
    }
}
