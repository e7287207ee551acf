using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class ExprTests
{
    [Fact]
    public void Variables_AreDistinctAndSorted()
    {
        var e = ExpressionParser.Parse("y * x + tanh(x) - b^2 + 3");

        Assert.Equal(["b", "x", "y"], e.Variables());
    }

    [Fact]
    public void Build_UsesOneNodePerVariable()
    {
        // x appears twice: it must be one node with two consumers, so its gradient sums both paths.
        var e = ExpressionParser.Parse("x*x + x");

        var f = e.Build(new Dictionary<string, double> { ["x"] = 3 });
        f.Backward();

        var leaves = f.TopologicalOrder().Where(v => v.Label == "x").ToList();
        var x = Assert.Single(leaves);
        Assert.Equal(12.0, f.Data);
        Assert.Equal(7.0, x.Grad);
    }

    [Fact]
    public void Build_WithGivenNodes_GradientsLandOnThem()
    {
        var x = Value.Variable("x", 1.5);
        var y = Value.Variable("y", -0.5);
        var z = ExpressionParser.Parse("(3*x + 4*y)^3").Build(new Dictionary<string, Value> { ["x"] = x, ["y"] = y });

        z.Backward();

        double u = 3 * 1.5 + 4 * -0.5;
        Assert.Equal(u * u * u, z.Data, 1e-12);
        ValueTests.AssertRelative(9 * u * u, x.Grad, 1e-12);
        ValueTests.AssertRelative(12 * u * u, y.Grad, 1e-12);
    }

    [Fact]
    public void Build_UnknownVariable_NamesIt()
    {
        var e = ExpressionParser.Parse("x + z");

        var ex = Assert.Throws<UnknownVariableException>(() => e.Build(new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 }));

        Assert.Equal("z", ex.Name);
        Assert.Equal("unknown variable 'z': no value was given for it (given: x, y)", ex.Message);
    }

    [Fact]
    public void Evaluate_UnknownVariable_NamesIt()
    {
        var ex = Assert.Throws<UnknownVariableException>(() => ExpressionParser.Parse("w").Evaluate(new Dictionary<string, double>()));

        Assert.Equal("unknown variable 'w': no value was given for it (given: none)", ex.Message);
    }

    [Theory]
    [InlineData("2*x + 4", 10.0)]
    [InlineData("x / 4 - 1", -0.25)]
    [InlineData("-x^2", -9.0)]
    [InlineData("relu(-x) + sigmoid(0) + exp(0) + log(1) + tanh(0)", 1.5)]
    [InlineData("x**0.5 * 2", 3.4641016151377544)]
    [InlineData("sqrt(x) * 2", 3.4641016151377544)]
    [InlineData("sin(pi / 6) + cos(0) + abs(-x) + max(x, 2) + min(x, 2)", 9.5)]
    [InlineData("2^x + e^0 + x^x", 36.0)]
    public void Evaluate_ComputesTheFormula(string text, double expected)
    {
        double actual = ExpressionParser.Parse(text).Evaluate(new Dictionary<string, double> { ["x"] = 3 });

        Assert.Equal(expected, actual, 1e-15);
    }

    [Fact]
    public void Evaluate_OutsideDomain_ThrowsDomainException()
    {
        var e = ExpressionParser.Parse("log(x - 5)");

        var ex = Assert.Throws<DomainException>(() => e.Evaluate(new Dictionary<string, double> { ["x"] = 3 }));

        Assert.Equal("log of -2 is undefined (log needs a positive argument)", ex.Message);
    }

    [Fact]
    public void Nodes_RejectValuesThatWouldNotRoundTrip()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumberExpr(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumberExpr(double.NaN));
        Assert.Throws<ArgumentException>(() => new VariableExpr("2x"));
        Assert.Throws<ArgumentException>(() => new VariableExpr("tanh"));
        Assert.Throws<ArgumentException>(() => new VariableExpr("pi"));
        Assert.Throws<ArgumentException>(() => new CallExpr("sinh", new VariableExpr("x")));
        Assert.Throws<ArgumentException>(() => new CallExpr("max", new VariableExpr("x")));
        Assert.Throws<ArgumentException>(() => new BinaryExpr(BinaryOperator.Power, new VariableExpr("x"), new NumberExpr(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PowerExpr(new VariableExpr("x"), double.PositiveInfinity));
    }
}
