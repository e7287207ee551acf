using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class ExprProgramTests
{
    private static readonly Dictionary<string, double> At = new() { ["x"] = 2, ["y"] = 3 };

    [Fact]
    public void Statements_use_earlier_names_and_the_last_is_the_output()
    {
        var p = ExpressionParser.ParseProgram("a = x*y; c = a + x; c = c*c + a");

        Assert.Equal(["a", "c", "c"], p.Statements.Select(s => s.Name));
        Assert.Equal(["x", "y"], p.Inputs);
        Assert.Equal("c", p.OutputName);
        // a = 6, c = 8, then c = 64 + 6.
        Assert.Equal(70, p.Evaluate(At));
        Assert.Equal(70, p.Build(At).Output.Data);
    }

    [Fact]
    public void A_rebound_name_uses_its_previous_value_on_the_right()
    {
        var p = ExpressionParser.ParseProgram("c = x + 1; c = c + c + 1");
        var graph = p.Build(At);
        graph.Output.Backward();

        Assert.Equal(7, graph.Output.Data);
        Assert.NotSame(graph.Bound[0], graph.Bound[1]);
        Assert.Equal(2, graph.Output.TopologicalOrder().Single(v => v.Label == "x").Grad);
    }

    [Theory]
    [InlineData("a = x +\n  y\nb = a * 2", 10.0)]
    [InlineData("a = (x\n + y)\n\nb = a * 2\n", 10.0)]
    [InlineData(";; a = x + y;\r\n b = a * 2;", 10.0)]
    [InlineData("x*y", 6.0)]
    public void Line_breaks_separate_statements_only_after_a_complete_expression(string text, double expected)
    {
        Assert.Equal(expected, ExpressionParser.ParseProgram(text).Evaluate(At));
    }

    [Theory]
    [InlineData("x*y", "f = x * y")]
    [InlineData("a = x; f * a", "a = x; f_1 = f * a")]
    [InlineData("f = 2*x\nf + 1", "f = 2 * x; f_1 = f + 1")]
    public void A_bare_last_formula_is_named_f_or_the_first_free_f_k(string text, string printed)
    {
        var p = ExpressionParser.ParseProgram(text);

        Assert.Equal(printed, p.ToString());
        var again = ExpressionParser.ParseProgram(p.ToString());
        Assert.Equal(p.Statements, again.Statements);
    }

    [Theory]
    [InlineData("c = c + 1", 1, 1, "'c' is an input of the program (used before any statement defines it), so a statement cannot assign it")]
    [InlineData("a = x * 2\nx = a + 1", 2, 1, "'x' is an input of the program")]
    [InlineData("exp = x", 1, 1, "'exp' is a function, so a statement cannot assign it")]
    [InlineData("pi = 3", 1, 1, "'pi' is a constant, so a statement cannot assign it")]
    [InlineData("x * 2; a = x", 1, 1, "only the last statement may be a bare formula; name this one, as in a = x * 2")]
    [InlineData("a = x\nb = * 2", 2, 5, "expected an operand but found '*'")]
    [InlineData("a = x b = 2", 1, 7, "expected an operator, ';', a line break or end of input but found 'b'")]
    public void A_bad_program_names_the_line_column_and_what_was_wrong(string text, int line, int column, string message)
    {
        var ex = Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.ParseProgram(text));

        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        string position = text.Contains('\n') ? $"line {line}, column {column}: " : $"column {column}: ";
        Assert.StartsWith(position + message, ex.Message);
    }

    [Fact]
    public void A_program_that_assigns_an_input_is_rejected_when_built_by_hand_too()
    {
        Assert.Throws<ArgumentException>(() => new ExprProgram([new Statement("x", ExpressionParser.Parse("x + 1"))]));
        Assert.Throws<ArgumentException>(() => new Statement("e", ExpressionParser.Parse("1")));
    }
}
