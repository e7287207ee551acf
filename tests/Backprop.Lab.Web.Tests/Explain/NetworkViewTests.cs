using Backprop.Lab.Web.Explain;

namespace Backprop.Lab.Web.Tests.Explain;

/// <summary>The explain page's network data against <c>lab explain --net</c> on the same shipped files.</summary>
public sealed class NetworkViewTests
{
    private static IReadOnlyList<string> Printed(ShippedNetwork n, string wrt) => LabExplain.Lines(
        "--net", Path.Combine(ShippedNetworks.Folder, n.NetworkFile), "--data", Path.Combine(ShippedNetworks.Folder, n.DataFile), "--wrt", wrt);

    [Fact]
    public void The_worked_example_is_dL_dx2_as_two_paths_of_products_of_weights_as_lab_explain_prints_it()
    {
        var shipped = ShippedNetworks.Find(ShippedNetworks.WorkedExample)!;
        var view = NetworkView.Of(shipped, null, 1);
        var lines = Printed(shipped, "x2");

        Assert.Equal("x2", view.Wrt);
        Assert.Equal("Intuition behind backpropagation", view.Source);
        Assert.Equal(2, view.Paths!.Count);
        Assert.Equal(["l0u1", "l1u0", "l2u0", "loss"], view.Paths[0].Units);
        Assert.Equal(["l0u1", "l1u1", "l2u0", "loss"], view.Paths[1].Units);
        foreach (var path in view.Paths)
        {
            Assert.Contains($"{string.Join(" x ", path.Factors.Select(f => FormulaView.Num(f.Value)))} = {FormulaView.Num(path.Product)}", lines);
        }
        Assert.Contains($"dL/dx2 = {view.Symbolic}", lines);
        Assert.Contains($"= {FormulaView.Num(view.Value)}", lines);
        Assert.Contains(lines, l => l.StartsWith($"backprop (dense engine): {FormulaView.Num(view.Backprop)} ", StringComparison.Ordinal));
        Assert.Equal(view.Backprop, view.FiniteDifference, 1e-7);
    }

    [Theory]
    [InlineData("linear-2-2-1", "w12[1]", 1)]
    [InlineData("linear-2-2-1", "w11[2]", 1)]
    [InlineData("xor-tanh", "x1", 2)]
    [InlineData("xor-tanh", "w31[2]", 2)]
    public void Every_path_passes_the_units_whose_weights_it_multiplies(string name, string wrt, int example)
    {
        var view = NetworkView.Of(ShippedNetworks.Find(name)!, wrt, example);
        var lines = Printed(ShippedNetworks.Find(name)!, wrt);
        Assert.Equal(view.PathCount, view.Paths!.Count);
        foreach (var path in view.Paths)
        {
            // Each arrow l(a)u(k) -> l(a+1)u(j) below the loss is the weight w_jk^[a+1], a factor of the path's product; a
            // weight's path starts with its own arrow, which is not a factor (its derivative is the activation below it).
            var weights = path.Edges.Where(e => !e.EndsWith("->loss", StringComparison.Ordinal)).Select(Weight).ToList();
            if (wrt.StartsWith('w'))
            {
                Assert.Equal(wrt, weights[0]);
                weights.RemoveAt(0);
            }
            Assert.Equal(weights.AsEnumerable().Reverse(), path.Factors.Select(f => f.Symbol).Where(s => s.StartsWith('w')));
        }
        Assert.Equal(view.Backprop, view.Paths.Sum(p => p.Product), 1e-12);
        Assert.Equal(view.Backprop, view.FiniteDifference, 1e-6);
        Assert.Contains(lines, l => l.StartsWith($"dL/d{view.Wrt}: a sum over {view.Paths.Count} path", StringComparison.Ordinal));
    }

    private static string Weight(string edge)
    {
        var m = System.Text.RegularExpressions.Regex.Match(edge, @"^l(\d+)u(\d+)->l(\d+)u(\d+)$");
        return $"w{int.Parse(m.Groups[4].Value) + 1}{int.Parse(m.Groups[2].Value) + 1}[{m.Groups[3].Value}]";
    }

    [Theory]
    [InlineData("linear-2-2-1", 1)]
    [InlineData("xor-tanh", 3)]
    public void The_backward_steps_are_the_lines_lab_explain_prints_output_first_down_to_dL_dx2(string name, int example)
    {
        var shipped = ShippedNetworks.Find(name)!;
        var view = NetworkView.Of(shipped, null, example);
        var lines = LabExplain.Lines("--net", Path.Combine(ShippedNetworks.Folder, shipped.NetworkFile), "--data",
            Path.Combine(ShippedNetworks.Folder, shipped.DataFile), "--example", $"{example}", "--wrt", "x2");

        int start = lines.FindIndex(l => l.StartsWith("backward pass, output first", StringComparison.Ordinal));
        var printed = lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(printed, view.Steps.Select(s => LabExplain.Normal(s.Line)).ToList());
        Assert.Equal("x2", view.Steps[^1].Name);
        Assert.Equal(view.Backprop, view.Steps[^1].Value, 1e-12);
        Assert.All(view.Steps, s => Assert.Equal(s.Value, s.Contributions.Sum(c => c.Value), 1e-12));
        // Every arrow a step lights is drawn: forward in the DOT as "v0_FROM" -> "v0_TO".
        Assert.All(view.Steps.SelectMany(s => s.Edges), e => Assert.Contains($"\"v0_{e.Replace("->", "\" -> \"v0_", StringComparison.Ordinal)}\"", view.Dot));
    }

    [Fact]
    public void A_name_that_is_not_in_the_network_is_one_message()
    {
        var e = Assert.Throws<ExplainInputException>(() => NetworkView.Of(ShippedNetworks.Find("linear-2-2-1")!, "w33[1]", 1));
        Assert.StartsWith("--wrt w33[1] names nothing in the network", e.Message);
    }

    [Fact]
    public void The_depth_slider_chain_multiplies_w_once_per_layer()
    {
        var view = ChainView.Of(0.9, 20);
        Assert.Equal(20, view.Factors.Count(f => f.Symbol.StartsWith('w')));
        Assert.Equal(Math.Pow(0.9, 20), view.Product, 1e-15);
        Assert.Equal(view.Backprop, view.Product, 1e-15);
        Assert.Equal("vanishing", view.Regime);
        Assert.Equal("exploding", ChainView.Of(-1.1, 3).Regime);
        Assert.Equal("critical", ChainView.Of(1, 3).Regime);
        Assert.All(view.Depths, d => Assert.Equal(Math.Pow(0.9, d.Depth), d.Product, 1e-14));
    }
}
