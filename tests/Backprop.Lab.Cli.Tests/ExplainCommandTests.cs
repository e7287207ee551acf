using System.Globalization;
using System.Text.RegularExpressions;
using Backprop.Core.Autodiff;
using Backprop.Lab.Cli.Commands;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class ExplainCommandTests : TempDirectory
{
    [Fact]
    public void Worked_example_z_prints_forward_values_backward_lines_gradients_and_the_path_sum()
    {
        var (exit, output, error) = LabRunner.Run("explain", "z = (3*x + 4*y)^3", "--at", "x=1,y=2");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("u3 = u1 + u2 = 11   (3 * x + 4 * y)", output);
        Assert.Contains("dz/du3 = dz/dz x dz/du3 = 1 x 363 = 363   (local: dz/du3 = 3 * u3^2)", output);
        Assert.Contains("dz/dx  = dz/du1 x du1/dx = 363 x 3 = 1089", output);
        Assert.Contains("dz/dx = 9 * (3 * x + 4 * y)^2 = 1089   (backprop: 1089)", output);
        Assert.Contains("dz/dy = 12 * (3 * x + 4 * y)^2 = 1452", output);
    }

    [Fact]
    public void Worked_example_y_shows_the_chain_1_times_1_times_2()
    {
        var (exit, output, _) = LabRunner.Run("explain", "y = 2*x + 4", "--at", "x=3");
        Assert.Equal(0, exit);
        Assert.Contains("1 x 1 x 2 = 2", output);
        Assert.Contains("dy/dx = 2   (backprop: 2)", output);
    }

    [Fact]
    public void Worked_example_network_prints_the_two_path_sum_and_agrees_with_backprop()
    {
        var (exit, output, error) = LabRunner.Run("explain", "--net", LabRunner.Example("linear-2-2-1.json"), "--data", LabRunner.Example("linear-2-2-1-batch.json"), "--wrt", "x2");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("dL/dx2 = -2(y - y_hat)(w11[2] w12[1] + w12[2] w22[1])", output);
        Assert.Contains("= 30.875", output);
        Assert.Contains("backprop (dense engine): 30.875   path sum - backprop = 0", output);
    }

    [Fact]
    public void Where_paths_meet_the_contributions_are_added()
    {
        var (exit, output, _) = LabRunner.Run("explain", "f = x*x + x", "--at", "x=3");
        Assert.Equal(0, exit);
        Assert.Contains("df/dx = 3 + 3 + 1 = 7   (3 uses of x)", output);
        Assert.Contains("df/dx = x + x + 1 = 7", output);
    }

    [Fact]
    public void Inputs_named_like_internal_nodes_print_unambiguous_names()
    {
        var (exit, output, _) = LabRunner.Run("explain", "u1*x + u2*u1", "--at", "u1=2,u2=3,x=5");
        Assert.Equal(0, exit);
        Assert.Contains("   u3 = u1 * x  = 10", output);
        Assert.Contains("   u4 = u2 * u1 = 6", output);
        Assert.DoesNotContain("   u1 = u1", output);
        Assert.Contains("path 2: f -> u4 -> u1", output);
        Assert.Equal(3, PastedBack(output, "u1=2,u2=3,x=5"));
    }

    [Fact]
    public void A_node_using_x_twice_says_which_operand_each_path_takes()
    {
        var (exit, output, _) = LabRunner.Run("explain", "x*x", "--at", "x=3");
        Assert.Equal(0, exit);
        Assert.Contains("path 1: f -> x (left factor)", output);
        Assert.Contains("path 2: f -> x (right factor)", output);
    }

    [Theory]
    [InlineData("z = max(abs(x), sin(y))^y + sqrt(x^2 + 1) - min(cos(x), pi) * e^x", "x=-0.5,y=1.5")]
    [InlineData("a = x*y + x\nb = sin(a) * a\nc = b^y", "x=0.5,y=1.5")]
    [InlineData("c = x + 1; c = c + c + 1; c = c * c", "x=2")]
    [InlineData("a = x*x + x; b = a*a + a; c = b*b + b", "x=0.5")]
    [InlineData("h = tanh(w*x + b)\nL = (h - y)^2", "w=0.5,x=2,b=-0.25,y=1")]
    public void Programs_and_the_whole_grammar_print_path_sums_that_paste_back(string program, string at)
    {
        var (exit, output, error) = LabRunner.Run("explain", program, "--at", at, "--max-paths", "30");
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.True(PastedBack(output, at) > 0);
    }

    [Fact]
    public void Named_intermediates_are_written_by_name_with_their_definitions()
    {
        var (exit, output, _) = LabRunner.Run("explain", "a = x*y; b = a + x; c = b*b + a", "--at", "x=2,y=3");
        Assert.Equal(0, exit);
        Assert.Contains("   a  = x * y  = 6", output);
        Assert.Contains("   c  = u1 + a = 70   (b * b + a)", output);
        Assert.Contains("   dc/da  = dc/db x db/da + dc/dc x dc/da = 16 x 1 + 1 x 1 = 17", output);
        Assert.Contains("   dc/dx = b * y + b + b * y + b + y = 67   (backprop: 67)\n           where a = x * y; b = a + x", output);
    }

    [Theory]
    [InlineData("2", "   f = 2   (a constant: no inputs, no operations)")]
    [InlineData("z = pi", "   z = 3.1415927   (a constant: no inputs, no operations)")]
    public void A_constant_formula_is_explained_not_a_crash(string formula, string line)
    {
        var (exit, output, error) = LabRunner.Run("explain", formula);
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.Contains(line, output);
        Assert.Contains("none: the formula has no variables", output);
    }

    [Fact]
    public void A_node_on_its_kink_names_the_convention()
    {
        var (exit, output, _) = LabRunner.Run("explain", "abs(x) + max(x, y)", "--at", "x=0,y=0");
        Assert.Equal(0, exit);
        Assert.Contains("at the kink of abs: abs'(0) is taken as 0", output);
        Assert.Contains("at the kink of max: at a tie each argument gets 1/2", output);
    }

    [Fact]
    public void A_network_too_large_to_draw_is_explained_when_no_drawing_is_asked_for()
    {
        // 50 x 50 + 50 = 2,550 weights, over the drawing limit of 2,000.
        string net = Write("wide.json", """{ "inputs": 50, "seed": 3, "layers": [ { "units": 50, "activation": "tanh" }, { "units": 1 } ] }""");
        var (exit, output, error) = LabRunner.Run("explain", "--net", net, "--wrt", "x1", "--at", "x1=0.5");
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.Contains("dy_hat/dx1: a sum over 50 paths", output);

        string dot = System.IO.Path.Combine(Path, "wide.dot");
        var (drawExit, drawOutput, drawError) = LabRunner.Run("explain", "--net", net, "--wrt", "x1", "--dot", dot);
        Assert.Equal(2, drawExit);
        Assert.Equal("", drawOutput);
        Assert.Contains("2550 weights, too many to draw", drawError);
        Assert.False(File.Exists(dot));
    }

    /// <summary>
    /// Every printed "df/dx = SUM = value   (backprop: g)" line, with its "where" line, parsed back as a program
    /// and evaluated at the point: it must give g. Returns how many sums were checked.
    /// </summary>
    private static int PastedBack(string output, string at)
    {
        var point = at.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        string[] lines = output.Split('\n');
        int checkedSums = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Regex.Match(lines[i], @"^   d\w+/d\w+ = (.+) = \S+   \(backprop: (\S+)\)$");
            if (!m.Success)
            {
                continue;
            }

            var where = i + 1 < lines.Length ? Regex.Match(lines[i + 1], @"^\s+where (.+)$") : Match.Empty;
            string program = where.Success ? $"{where.Groups[1].Value}; {m.Groups[1].Value}" : m.Groups[1].Value;
            double value = ExpressionParser.ParseProgram(program).Evaluate(point);
            double backprop = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(value - backprop) <= 1e-7 * Math.Max(1, Math.Abs(backprop)), $"{program} = {value}, backprop {backprop}");
            checkedSums++;
        }

        return checkedSums;
    }

    [Fact]
    public void Printed_input_gradients_equal_central_differences_for_random_formulas()
    {
        var rng = new Random(17);
        int compared = 0;
        for (int n = 0; n < 40; n++)
        {
            string text = Formula(rng, 3);
            var expr = ExpressionParser.Parse(text);
            var at = expr.Variables().ToDictionary(v => v, _ => Math.Round(0.2 + rng.NextDouble(), 2));
            var (exit, output, _) = LabRunner.Run("explain", text, "--at", string.Join(",", at.Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}")));
            if (exit == 2)
            {
                continue; // a domain error at this point
            }

            Assert.Equal(0, exit);
            string section = output[output.IndexOf("4. gradients", StringComparison.Ordinal)..output.IndexOf("5. each", StringComparison.Ordinal)];
            foreach (Match m in Regex.Matches(section, @"df/d(\w+) = (\S+)"))
            {
                string name = m.Groups[1].Value;
                double printed = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                double numeric = FiniteDifference.Central(t => expr.Evaluate(new Dictionary<string, double>(at) { [name] = t }), at[name]);
                // Printed with 8 significant digits.
                Assert.True(Math.Abs(printed - numeric) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{text}: printed d/d{name} {printed}, central difference {numeric}");
                compared++;
            }
        }

        Assert.True(compared > 30, $"only {compared} gradients compared");
    }

    // Formulas of the whole grammar: every op and function, nested.
    private static string Formula(Random rng, int depth)
    {
        string[] leaves = ["x", "y", "2", "0.5"];
        if (depth == 0)
        {
            return leaves[rng.Next(leaves.Length)];
        }

        string a = Formula(rng, depth - 1), b = Formula(rng, depth - 1);
        string[] shapes = [$"({a} + {b})", $"({a} - {b})", $"{a} * {b}", $"({a}) / ({b})", $"({a})^3", $"exp(0.1 * {a})", $"log(({a})^2 + 1)", $"tanh({a})", $"sigmoid({a})", $"-{a}"];
        return shapes[rng.Next(shapes.Length)];
    }

    [Fact]
    public void Markdown_has_latex_math_for_every_step()
    {
        var (exit, output, _) = LabRunner.Run("explain", "z = (3*x + 4*y)^3", "--at", "x=1,y=2", "--format", "markdown");
        Assert.Equal(0, exit);
        Assert.Contains("## Backpropagation through $z = \\left(3 x + 4 y\\right)^{3}$ at $x = 1, y = 2$", output);
        Assert.Contains("$$\\frac{\\partial z}{\\partial x} = 1 \\times 3 \\, \\left(3 x + 4 y\\right)^{2} \\times 1 \\times 3 = 9 \\, \\left(3 x + 4 y\\right)^{2} = 1089$$", output);
    }

    [Fact]
    public void Dot_file_is_written_and_svg_rendered_when_graphviz_is_installed()
    {
        string dot = Write("z.dot", "");
        string svg = Write("z.svg", "");
        bool graphviz = ExplainGraphviz.FindDot() is not null;
        string[] args = graphviz ? ["explain", "z = (3*x + 4*y)^3", "--at", "x=1,y=2", "--dot", dot, "--svg", svg] : ["explain", "z = (3*x + 4*y)^3", "--at", "x=1,y=2", "--dot", dot];
        var (exit, _, error) = LabRunner.Run(args);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.StartsWith("digraph", File.ReadAllText(dot));
        if (graphviz)
        {
            Assert.Contains("<svg", File.ReadAllText(svg));
        }
    }

    [Theory]
    [InlineData(new[] { "z = (3*x + 4*y", "--at", "x=1,y=2" }, "column 15: expected ')' but found end of input")]
    [InlineData(new[] { "3*x + * y", "--at", "x=1,y=2" }, "column 7: expected an operand")]
    [InlineData(new[] { "x + y", "--at", "x=1,q=2" }, "unknown variable 'q'")]
    [InlineData(new[] { "x + y", "--at", "x=1" }, "--at gives no value for y")]
    [InlineData(new[] { "x + y", "--at", "x=1,y=2", "--wrt", "w" }, "--wrt w names nothing in the graph")]
    [InlineData(new[] { "log(x)", "--at", "x=-1" }, "log of -1 is undefined")]
    [InlineData(new[] { "1 / x", "--at", "x=0" }, "division by zero")]
    [InlineData(new[] { "sinh(x)", "--at", "x=1" }, "column 1: unknown function sinh; known functions are abs, cos, exp")]
    [InlineData(new[] { "max(x)", "--at", "x=1" }, "column 6: expected 2 arguments for max(a, b) but found 1 argument")]
    [InlineData(new[] { "sqrt(x)", "--at", "x=-1" }, "sqrt of -1 is undefined")]
    [InlineData(new[] { "a = x\nb = * 2", "--at", "x=1" }, "line 2, column 5: expected an operand but found '*'\n  b = * 2\n      ^")]
    [InlineData(new[] { "c = c + 1", "--at", "c=1" }, "'c' is an input of the program")]
    [InlineData(new[] { "x", "--at", "x=one" }, "--at expects NAME=NUMBER")]
    [InlineData(new[] { "--net", "NET", "--wrt", "w31[1]" }, "--wrt w31[1] names nothing in the network")]
    [InlineData(new[] { "--net", "NET" }, "say which derivative")]
    [InlineData(new string[0], "give either a formula")]
    public void Bad_input_exits_2_with_a_clear_message(string[] args, string fragment)
    {
        var full = new[] { "explain" }.Concat(args.Select(a => a == "NET" ? LabRunner.Example("linear-2-2-1.json") : a)).ToArray();
        var (exit, output, error) = LabRunner.Run(full);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(fragment, error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }
}
