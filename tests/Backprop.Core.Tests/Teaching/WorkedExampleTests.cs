using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

/// <summary>The three worked examples of the blog post "Intuition behind backpropagation", numbers and symbolic forms exactly.</summary>
public class WorkedExampleTests
{
    [Fact]
    public void Y_equals_2x_plus_4_has_one_path_whose_chain_is_1_times_1_times_2()
    {
        var e = ExpressionExplanation.Create("y = 2*x + 4", new Dictionary<string, double> { ["x"] = 3 }, []);
        var sum = Assert.Single(e.PathSums);
        var path = Assert.Single(sum.Paths!);
        Assert.Equal([1.0, 1.0, 2.0], path.LocalValues);
        Assert.Equal(["y", "u1", "x"], path.Nodes.Select(n => n.Name));
        Assert.Equal("2", sum.Symbolic!.Text);
        Assert.Equal(2, sum.Input.Grad);
        Assert.Equal(10, e.Output.Data);
    }

    [Fact]
    public void Z_equals_3x_plus_4y_cubed_gives_9_times_3x_plus_4y_squared()
    {
        var e = ExpressionExplanation.Create("z = (3*x + 4*y)^3", new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 }, []);
        Assert.Equal(1331, e.Output.Data);
        var dx = e.PathSums.Single(s => s.Input.Name == "x");
        var dy = e.PathSums.Single(s => s.Input.Name == "y");
        Assert.Equal("9 * (3 * x + 4 * y)^2", dx.Symbolic!.Text);
        Assert.Equal("9 \\, \\left(3 x + 4 y\\right)^{2}", dx.Symbolic.Latex);
        Assert.Equal("12 * (3 * x + 4 * y)^2", dy.Symbolic!.Text);
        Assert.Equal(1089, dx.Value);
        Assert.Equal(1452, dy.Value);
        Assert.Equal([1.0, 363, 1, 3], Assert.Single(dx.Paths!).LocalValues);
    }

    [Fact]
    public void Z_backward_pass_reads_node_by_node_as_the_worked_example_writes_it()
    {
        var e = ExpressionExplanation.Create("z = (3*x + 4*y)^3", new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 }, []);
        // dz/du3 = dz/dz x dz/du3 with the local derivative 3 u3^2 = 363, where u3 = 3x + 4y.
        var u3 = e.Backward.Single(s => s.Node.Name == "u3");
        var c = Assert.Single(u3.Contributions);
        Assert.Equal("z", c.Consumer.Name);
        Assert.Equal("3 * u3^2", c.Local.Write().Text);
        Assert.Equal(363, c.LocalValue);
        Assert.Equal("3 * x + 4 * y", u3.Node.Formula.Text);
        Assert.Equal(["z", "u3", "u2", "y", "u1", "x"], e.Backward.Select(s => s.Node.Name));
    }

    [Fact]
    public void Worked_example_network_dL_dx2_is_the_sum_over_its_two_paths()
    {
        var (network, x, y) = WorkedExampleNetwork();
        var sum = NetworkPathSum.Create(network, Loss.MeanSquaredError, x, y, NetworkParameter.Parse("x2", network), 64);
        Assert.Equal("-2(y - y_hat)(w11[2] w12[1] + w12[2] w22[1])", sum.Symbolic()!.Text);
        Assert.Equal(2, sum.PathCount);
        Assert.Equal([4.875, 26], sum.Paths!.Select(p => p.Product));
        Assert.Equal(30.875, sum.Value);
        Assert.Equal(30.875, sum.Backprop);
        Assert.Equal(42.25, sum.Loss);
    }

    [Fact]
    public void Worked_example_network_weight_gradient_is_the_path_sum_to_its_unit_times_the_input_it_multiplies()
    {
        var (network, x, y) = WorkedExampleNetwork();
        var sum = NetworkPathSum.Create(network, Loss.MeanSquaredError, x, y, NetworkParameter.Parse("w12[1]", network), 64);
        Assert.Equal("-2(y - y_hat) w11[2] x2", sum.Symbolic()!.Text);
        Assert.Equal(-39, sum.Value);
        Assert.Equal(-39, sum.Backprop);
    }

    internal static (Mlp Network, double[] X, double[] Y) WorkedExampleNetwork()
    {
        var network = new Mlp(2, [new LayerSpec(2, Activation.Identity), new LayerSpec(1, Activation.Identity)]);
        double[] w1 = [0.5, -0.25, 0.75, 1.0];
        double[] w2 = [1.5, -2.0];
        w1.CopyTo(network.Layers[0].Weights, 0);
        w2.CopyTo(network.Layers[1].Weights, 0);
        return (network, [1, 2], [1]);
    }
}
