using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

/// <summary>
/// The kinked ops at their kinks, and every function a formula may call checked through the parser, builder
/// and evaluator (the one table they share) against central differences.
/// </summary>
public class OpsKinksTests
{
    private const double H = 1e-6;

    [Theory]
    [InlineData("relu")]
    [InlineData("abs")]
    public void At_the_kink_a_unary_derivative_is_the_convention_and_lies_between_the_one_sided_slopes(string name)
    {
        var f = ExpressionParser.Parse($"{name}(x)");
        var x = Value.Variable("x", 0);
        var y = f.Build(new Dictionary<string, Value> { ["x"] = x });
        y.Backward();

        double left = (Eval(f, 0) - Eval(f, -H)) / H;
        double right = (Eval(f, H) - Eval(f, 0)) / H;
        Assert.Equal(0.0, y.Data);
        Assert.Equal(0.0, x.Grad); // relu'(0) = 0 and abs'(0) = sign(0) = 0, PyTorch's choices
        Assert.InRange(x.Grad, Math.Min(left, right), Math.Max(left, right));
        Assert.True(Ops.AtKink(y));
        Assert.False(Ops.AtKink(f.Build(new Dictionary<string, double> { ["x"] = 1e-300 })));
    }

    [Theory]
    [InlineData("max")]
    [InlineData("min")]
    public void At_a_tie_max_and_min_give_each_argument_half(string name)
    {
        var a = Value.Variable("a", 1.5);
        var b = Value.Variable("b", 1.5);
        var y = name == "max" ? Ops.Max(a, b) : Ops.Min(a, b);
        y.Backward();

        Assert.Equal(1.5, y.Data);
        Assert.Equal(0.5, a.Grad);
        Assert.Equal(0.5, b.Grad);
        Assert.True(Ops.AtKink(y));
        // Moving a alone, one side has slope 1 and the other 0: 1/2 is between them.
        var f = ExpressionParser.Parse($"{name}(x, 1.5)");
        double left = (Eval(f, 1.5) - Eval(f, 1.5 - H)) / H;
        double right = (Eval(f, 1.5 + H) - Eval(f, 1.5)) / H;
        Assert.InRange(a.Grad, Math.Min(left, right), Math.Max(left, right));
        Assert.Equal(1, Math.Abs(left - right), 6);
    }

    [Theory]
    [InlineData("sin(x)", 0.7)]
    [InlineData("cos(x)", 0.7)]
    [InlineData("sqrt(x)", 0.7)]
    [InlineData("abs(x)", -0.7)]
    [InlineData("max(x, 0.5)", 0.7)]
    [InlineData("max(0.5, x)", 0.3)]
    [InlineData("min(x, 0.5)", 0.3)]
    [InlineData("min(0.5, x)", 0.7)]
    [InlineData("x^x", 0.7)]
    [InlineData("2^x", -1.3)]
    [InlineData("e^x - exp(x) + pi * x", 0.7)]
    [InlineData("(x^2 + 1)^sin(x)", 1.1)]
    public void Each_function_differentiates_as_central_differences_say(string text, double x0)
    {
        var f = ExpressionParser.Parse(text);
        var x = Value.Variable("x", x0);
        var y = f.Build(new Dictionary<string, Value> { ["x"] = x });
        y.Backward();

        Assert.Equal(Eval(f, x0), y.Data); // the evaluator and the graph use the same steps: the same bits
        double numeric = FiniteDifference.Central(t => Eval(f, t), x0);
        ValueTests.AssertRelative(numeric, x.Grad, 1e-7);
    }

    [Fact]
    public void A_variable_exponent_differentiates_in_both_base_and_exponent()
    {
        // d(x^y)/dx = y x^(y - 1) = 3 * 2^2 = 12, d(x^y)/dy = x^y ln x = 8 ln 2.
        var x = Value.Variable("x", 2);
        var y = Value.Variable("y", 3);
        var p = Ops.Pow(x, y);
        p.Backward();

        Assert.Equal(8.0, p.Data);
        Assert.Equal(12.0, x.Grad);
        ValueTests.AssertRelative(8 * Math.Log(2), y.Grad, 1e-15);
    }

    [Theory]
    [InlineData("sqrt(x)", -1.0, "sqrt of -1 is undefined")]
    [InlineData("sqrt(x)", 0.0, "sqrt has no finite derivative at 0")]
    [InlineData("x^y", -2.0, "(-2)^2 with a variable exponent needs a base >= 0")]
    [InlineData("x^(y - 1.5)", 0.0, "0^0.5 with a variable exponent has no finite derivative")]
    [InlineData("max(x, log(x))", -1.0, "log of -1 is undefined")]
    public void Outside_its_domain_a_function_names_itself_and_the_value(string text, double x0, string message)
    {
        var f = ExpressionParser.Parse(text);
        var point = new Dictionary<string, double> { ["x"] = x0, ["y"] = 2 };

        Assert.StartsWith(message, Assert.Throws<DomainException>(() => f.Build(point)).Message);
        Assert.StartsWith(message, Assert.Throws<DomainException>(() => f.Evaluate(point)).Message);
    }

    [Fact]
    public void At_base_0_a_variable_exponent_of_at_least_1_has_its_one_sided_derivative()
    {
        // 0^y = 0 for every y > 0, so d/dy is 0; d/dx of x^2 at 0 is 0.
        var x = Value.Variable("x", 0);
        var y = Value.Variable("y", 2);
        var p = Ops.Pow(x, y);
        p.Backward();

        Assert.Equal(0.0, p.Data);
        Assert.Equal(0.0, x.Grad);
        Assert.Equal(0.0, y.Grad);
    }

    private static double Eval(Expr f, double x) => f.Evaluate(new Dictionary<string, double> { ["x"] = x });
}
