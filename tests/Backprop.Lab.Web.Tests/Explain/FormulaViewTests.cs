using Backprop.Lab.Web.Explain;

namespace Backprop.Lab.Web.Tests.Explain;

/// <summary>The explain page's formula data against what <c>lab explain</c> prints for the same formula and point.</summary>
public sealed class FormulaViewTests
{
    public static TheoryData<string, string> Formulas => new()
    {
        { "z = (3*x + 4*y)^3", "x=1,y=2" },
        { "a = x*y; z = a*a + a", "x=2,y=3" },
        { "f = tanh(w*x + b) * x", "b=0.1,w=0.5,x=-1.5" },
    };

    [Theory]
    [MemberData(nameof(Formulas))]
    public void Every_backward_step_is_the_line_lab_explain_prints_in_the_same_order(string formula, string at)
    {
        var lines = LabExplain.Lines(formula, "--at", at);
        var view = FormulaView.Of(formula, Point(at));

        int start = lines.FindIndex(l => l.StartsWith("2. backward pass", StringComparison.Ordinal));
        var printed = lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(printed, view.Steps.Select(s => LabExplain.Normal(s.Line)).ToList());
        Assert.Equal(view.Nodes.Count(n => n.Kind != "constant"), view.Steps.Count);
    }

    [Theory]
    [MemberData(nameof(Formulas))]
    public void Each_path_sum_has_the_terms_and_the_backprop_value_lab_explain_prints_and_a_finite_difference_beside(string formula, string at)
    {
        var lines = LabExplain.Lines(formula, "--at", at);
        var view = FormulaView.Of(formula, Point(at));

        Assert.NotEmpty(view.PathSums);
        foreach (var sum in view.PathSums)
        {
            string d = $"d{view.Output}/d{sum.Name}";
            Assert.Contains($"{d} = {FormulaView.Num(sum.Backprop)}", lines);
            Assert.Contains(lines, l => l.StartsWith($"{d} = ", StringComparison.Ordinal) && l.EndsWith($"{FormulaView.Num(sum.Value)} (backprop: {FormulaView.Num(sum.Backprop)})", StringComparison.Ordinal));
            foreach (var path in sum.Paths!)
            {
                Assert.Contains($"{string.Join(" x ", path.LocalValues.Select(FormulaView.Num))} = {FormulaView.Num(path.Value)}", lines);
                Assert.Equal(view.Output, path.Names[0]);
                Assert.Equal(sum.Name, path.Names[^1]);
            }
            Assert.Equal(sum.Backprop, sum.Paths!.Sum(p => p.Value), 1e-12 * Math.Max(1, Math.Abs(sum.Backprop)));
            Assert.Equal(sum.Backprop, sum.FiniteDifference!.Value, 1e-6 * Math.Max(1, Math.Abs(sum.Backprop)));
        }
    }

    [Fact]
    public void Where_two_consumers_meet_the_step_adds_their_contributions()
    {
        var view = FormulaView.Of("a = x*y; z = a*a + a", Point("x=2,y=3"));
        var step = view.Steps.Single(s => s.Name == "a");
        Assert.Equal(3, step.Contributions.Count); // the left and right factor of a*a, and the term a
        Assert.Equal(13.0, step.Grad); // 6 + 6 + 1
        Assert.Equal(step.Grad, step.Contributions.Sum(c => c.Value));
    }

    [Fact]
    public void Inputs_the_point_leaves_out_are_taken_as_one()
    {
        var view = FormulaView.Of("z = x*y", Point("x=3"));
        Assert.Equal(new Dictionary<string, double> { ["x"] = 3, ["y"] = 1 }, view.At);
    }

    [Fact]
    public void The_dot_is_the_one_lab_explain_writes()
    {
        string file = Path.Combine(Path.GetTempPath(), $"explain-{Guid.NewGuid():N}.dot");
        try
        {
            LabExplain.Lines("z = (3*x + 4*y)^3", "--at", "x=1,y=2", "--dot", file);
            Assert.Equal(File.ReadAllText(file), FormulaView.Of("z = (3*x + 4*y)^3", Point("x=1,y=2")).Dot);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_formula_over_the_limit_is_refused_with_its_length_and_the_limit()
    {
        string formula = "z = " + string.Join(" + ", Enumerable.Repeat("x", 400));
        var e = Assert.Throws<ExplainInputException>(() => FormulaView.Of(formula, Point("")));
        Assert.Equal($"the formula has {formula.Length} characters; the explain page takes at most {ExplainLimits.MaxFormulaLength} (use lab explain for larger ones)", e.Message);
    }

    [Fact]
    public void A_graph_over_the_node_limit_is_refused()
    {
        string formula = "z = " + string.Join(" + ", Enumerable.Range(1, 80).Select(i => $"x{i}"));
        var e = Assert.Throws<ExplainInputException>(() => FormulaView.Of(formula, Point("")));
        Assert.StartsWith("the formula's graph has 159 nodes; the explain page draws at most 120", e.Message);
    }

    [Fact]
    public void A_formula_that_does_not_parse_is_one_message_pointing_at_the_column()
    {
        var e = Assert.Throws<ExplainInputException>(() => FormulaView.Of("z = (x + ", Point("")));
        Assert.StartsWith("cannot parse the formula: ", e.Message);
        Assert.EndsWith("\n  z = (x + \n           ^", e.Message);
    }

    internal static Dictionary<string, double> Point(string at) => at.Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('='))
        .ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
