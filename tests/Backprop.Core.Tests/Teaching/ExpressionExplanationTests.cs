using Backprop.Core.Autodiff;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

/// <summary>Names, paths and path sums of explained formulas and programs.</summary>
public class ExpressionExplanationTests
{
    private static ExpressionExplanation Explain(string text, params (string Name, double Value)[] at) =>
        ExpressionExplanation.Create(text, at.ToDictionary(p => p.Name, p => p.Value), []);

    /// <summary>"where-definitions; sum": the printed sum as a program, which must evaluate to the gradient.</summary>
    internal static double EvaluatePrinted(PathSum sum, IReadOnlyDictionary<string, double> at)
    {
        string text = sum.Where.Count == 0 ? sum.Symbolic!.Text : $"{sum.WhereText}; {sum.Symbolic!.Text}";
        return ExpressionParser.ParseProgram(text).Evaluate(at);
    }

    [Fact]
    public void Inputs_named_like_internal_nodes_keep_every_name_unique()
    {
        var e = Explain("u1*x + u2*u1", ("u1", 2), ("u2", 3), ("x", 5));

        var names = e.Nodes.Where(n => n.Kind != NodeKind.Constant).Select(n => n.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(["u1", "x", "u3", "u2", "u4", "f"], names);
        Assert.Equal("u1 * x", e.Nodes.Single(n => n.Name == "u3").Definition.Text);
        var du1 = e.PathSums.Single(s => s.Input.Name == "u1");
        Assert.Equal(["f", "u3", "u1"], du1.Paths![0].Nodes.Select(n => n.Name));
        Assert.Equal(8, EvaluatePrinted(du1, new Dictionary<string, double> { ["u1"] = 2, ["u2"] = 3, ["x"] = 5 }));
    }

    [Fact]
    public void A_node_using_one_input_twice_says_which_use_each_path_takes()
    {
        var e = Explain("x*x + (x + x)", ("x", 3));

        var paths = e.PathSums.Single().Paths!;
        Assert.Equal(4, paths.Count);
        Assert.Equal(["left factor", "right factor", "left term", "right term"], paths.Select(p => p.Roles[^1]));
        Assert.All(paths, p => Assert.Null(p.Roles[0]));
    }

    [Fact]
    public void Named_statements_appear_by_name_in_the_graph_the_backward_pass_and_the_path_sums()
    {
        var e = Explain("a = x*y\nb = a + x\nc = b*b + a", ("x", 2), ("y", 3));

        Assert.Equal(["a", "b"], e.Nodes.Where(n => n.Named && n.Name != "c").Select(n => n.Name));
        Assert.Equal("c", e.OutputName);
        Assert.Contains(e.Backward, s => s.Node.Name == "a" && s.Contributions.Count == 2);
        Assert.Contains("label=\"a = x * y", ExpressionGraph.Dot(e));
        var dx = e.PathSums.Single(s => s.Input.Name == "x");
        // Each path written with the names: b and a, never b's formula a + x or a's formula x * y inlined.
        Assert.DoesNotContain("x * y", dx.Symbolic!.Text);
        Assert.Equal(["a", "b"], dx.Where.Select(n => n.Name));
        Assert.Equal("a = x * y; b = a + x", dx.WhereText);
        Assert.Equal(dx.Input.Grad, EvaluatePrinted(dx, new Dictionary<string, double> { ["x"] = 2, ["y"] = 3 }), 12);
    }

    [Fact]
    public void A_rebound_name_gives_its_earlier_nodes_versioned_names()
    {
        var e = Explain("c = x + 1; c = c + c + 1; d = c * 2", ("x", 2));

        Assert.Equal(["x", "c_1", "u1", "c", "d"], e.Nodes.Where(n => n.Kind != NodeKind.Constant).Select(n => n.Name));
        Assert.Equal("c_1 + c_1 + 1", e.Nodes.Single(n => n.Name == "c").Formula.Text);
        Assert.Equal(14, e.Output.Data);
        Assert.Equal(4, e.PathSums.Single().Input.Grad);
    }

    [Fact]
    public void A_wide_program_writes_each_path_in_names_not_in_repeated_formulas()
    {
        // 27 paths from c to x; inlined, every path would repeat (x * x + x) and (a * a + a) in full.
        var e = ExpressionExplanation.Create("a = x*x + x; b = a*a + a; c = b*b + b", new Dictionary<string, double> { ["x"] = 0.5 }, [], pathLimit: 30);
        var dx = e.PathSums.Single();

        Assert.Equal(27, dx.PathCount);
        Assert.DoesNotContain("(", dx.Symbolic!.Text);
        Assert.Equal(e.Nodes.Single(n => n.Name == "x").Grad, EvaluatePrinted(dx, new Dictionary<string, double> { ["x"] = 0.5 }), 12);
    }

    [Fact]
    public void Named_constants_are_written_by_name()
    {
        var e = Explain("z = 2*pi*x + e^x", ("x", 1));
        var dx = e.PathSums.Single();

        Assert.Contains("pi", dx.Symbolic!.Text);
        Assert.Equal(2 * Math.PI + Math.E, dx.Input.Grad, 12);
        Assert.Equal(dx.Input.Grad, EvaluatePrinted(dx, new Dictionary<string, double> { ["x"] = 1 }), 12);
    }

    [Theory]
    [InlineData("relu(x)", "relu'(0) is taken as 0")]
    [InlineData("abs(x)", "abs'(0) is taken as 0")]
    [InlineData("max(x, 0)", "at a tie each argument gets 1/2")]
    [InlineData("min(0, x)", "at a tie each argument gets 1/2")]
    public void A_node_exactly_on_its_kink_names_the_convention(string formula, string kink)
    {
        var e = Explain(formula, ("x", 0));
        var contribution = e.Backward.Single(s => s.Node.Name == "x").Contributions.Single();

        Assert.Equal(kink, contribution.Kink);
        Assert.Null(Explain(formula, ("x", 0.25)).Backward.Single(s => s.Node.Name == "x").Contributions.Single().Kink);
    }

    [Fact]
    public void Point_names_that_a_statement_computes_are_not_inputs()
    {
        var ex = Assert.Throws<TeachingInputException>(() => Explain("a = x*2; a + 1", ("x", 1), ("a", 2)));

        Assert.Contains("unknown variable 'a' in --at", ex.Message);
        Assert.Contains("computed by a statement", ex.Message);
    }
}
