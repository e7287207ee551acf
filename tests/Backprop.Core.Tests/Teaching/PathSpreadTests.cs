using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

public class PathSpreadTests
{
    [Fact]
    public void Summary_statistics_computed_without_listing_paths_equal_those_of_the_listed_paths()
    {
        var network = new Mlp(3, [new LayerSpec(3, Activation.Tanh), new LayerSpec(4, Activation.Sigmoid), new LayerSpec(2, Activation.Identity)]);
        var rng = new Random(5);
        foreach (var layer in network.Layers)
        {
            for (int i = 0; i < layer.Weights.Length; i++)
            {
                layer.Weights[i] = (rng.NextDouble() * 2) - 1;
            }
        }

        double[] x = [0.3, -0.7, 1.1];
        var wrt = NetworkParameter.Parse("x1", network);
        var listed = NetworkPathSum.Create(network, Loss.MeanSquaredError, x, [1, 0], wrt, 1000);
        var summary = NetworkPathSum.Create(network, Loss.MeanSquaredError, x, [1, 0], wrt, 1);
        Assert.Null(summary.Paths);
        Assert.Equal(24, summary.PathCount);
        var top = summary.Spread!.Depths[^1];
        Assert.Equal(24, top.Paths);

        // Without the loss factor, each listed path's product is the partial product p of the top depth.
        var products = listed.Paths!.Select(p => p.Product / p.Factors[0].Value).ToList();
        Assert.Equal(products.Sum(p => p * p), top.SumOfSquares, 12);
        Assert.Equal(products.Average(p => Math.Log10(Math.Abs(p))), top.MeanLog10, 12);
        Assert.Equal(listed.Backprop, summary.Backprop);
    }

    [Fact]
    public void Deep_narrow_tanh_network_with_small_weights_is_reported_as_vanishing()
    {
        var network = Mlp.Uniform(4, 8, 12, Activation.Tanh, outputSize: 1, outputActivation: Activation.Identity);
        var rng = new Random(9);
        foreach (var layer in network.Layers)
        {
            for (int i = 0; i < layer.Weights.Length; i++)
            {
                layer.Weights[i] = ((rng.NextDouble() * 2) - 1) * 0.5 / Math.Sqrt(layer.InputSize);
            }
        }

        var sum = NetworkPathSum.Create(network, Loss.MeanSquaredError, [1, -1, 0.5, 0.2], [1], NetworkParameter.Parse("x1", network), 64);
        Assert.Equal(Math.Pow(8, 11), sum.PathCount);
        Assert.True(sum.Spread!.MeanGrowth < 0.9, $"chi = {sum.Spread.MeanGrowth}");
    }
}
