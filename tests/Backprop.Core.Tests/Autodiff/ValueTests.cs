using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class ValueTests
{
    [Fact]
    public void LinearWorkedExample_LocalDerivativesMultiplyToTwo()
    {
        // y = 2x + 4: the graph is x -> (*2) -> (+4) -> y; local derivatives 2 then 1, product 1 x 1 x 2.
        var x = Value.Variable("x", 3);
        var twoX = 2 * x;
        var y = twoX + 4;

        y.Backward();

        Assert.Equal(10, y.Data);
        Assert.Equal(1.0, y.LocalGrads[0]);   // dy/d(2x)
        Assert.Equal(2.0, twoX.LocalGrads[1]); // d(2x)/dx, x is the right operand
        Assert.Equal(1.0, y.Grad);
        Assert.Equal(1.0, twoX.Grad);
        Assert.Equal(2.0, x.Grad);
    }

    [Theory]
    [InlineData(1.0, 2.0)]
    [InlineData(-0.5, 0.25)]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, -1.75)]
    [InlineData(0.1, 0.7)]
    public void CubedSumWorkedExample_MatchesChainRule(double xv, double yv)
    {
        var x = Value.Variable("x", xv);
        var y = Value.Variable("y", yv);
        var z = Ops.Pow(3 * x + 4 * y, 3);

        z.Backward();

        double u = 3 * xv + 4 * yv;
        AssertRelative(9 * u * u, x.Grad, 1e-12);
        AssertRelative(12 * u * u, y.Grad, 1e-12);
    }

    [Fact]
    public void Leaves_AreLeavesWithEmptyOp()
    {
        var c = Value.Constant(2.5);
        var x = Value.Variable("x", 1);

        Assert.True(c.IsLeaf);
        Assert.Null(c.Label);
        Assert.Equal("", c.Op);
        Assert.Empty(c.Parents);
        Assert.True(x.IsLeaf);
        Assert.Equal("x", x.Label);
    }

    [Fact]
    public void OpNames_FollowTheConvention()
    {
        var x = Value.Variable("x", 0.5);

        Assert.Equal("+", (x + x).Op);
        Assert.Equal("*", (x * x).Op);
        Assert.Equal("^3", Ops.Pow(x, 3).Op);
        Assert.Equal("^-1", Ops.Pow(x, -1).Op);
        Assert.Equal("^0.5", Ops.Pow(x, 0.5).Op);
        Assert.Equal("exp", Ops.Exp(x).Op);
        Assert.Equal("log", Ops.Log(x).Op);
        Assert.Equal("tanh", Ops.Tanh(x).Op);
        Assert.Equal("sigmoid", Ops.Sigmoid(x).Op);
        Assert.Equal("relu", Ops.Relu(x).Op);
    }

    [Fact]
    public void DerivedOps_AreMadeOfPrimitives()
    {
        var a = Value.Variable("a", 2);
        var b = Value.Variable("b", 5);

        var neg = -a;
        var sub = a - b;
        var div = a / b;

        Assert.Equal("*", neg.Op);
        Assert.Equal(-1.0, neg.Parents[1].Data);
        Assert.Equal("+", sub.Op);
        Assert.Equal("*", sub.Parents[1].Op);
        Assert.Equal("*", div.Op);
        Assert.Equal("^-1", div.Parents[1].Op);
        Assert.Equal("^2", Ops.Square(a).Op);
    }

    [Fact]
    public void FanOut_SumsContributions()
    {
        // d(x*x + x)/dx = 2x + 1: x reaches the output along three edges.
        var x = Value.Variable("x", 3);
        var f = x * x + x;

        f.Backward();

        Assert.Equal(7.0, x.Grad);
    }

    [Fact]
    public void Diamond_SumsBothPaths()
    {
        // x -> a = 3x, x -> b = x^2, f = a * b = 3x^3, df/dx = 9x^2.
        var x = Value.Variable("x", 2);
        var a = 3 * x;
        var b = Ops.Square(x);
        var f = a * b;

        f.Backward();

        Assert.Equal(36.0, x.Grad);
        Assert.Equal(4.0, a.Grad);  // df/da = b
        Assert.Equal(6.0, b.Grad);  // df/db = a
    }

    [Fact]
    public void Backward_Twice_GivesTheSameGradients()
    {
        var x = Value.Variable("x", 1.5);
        var f = Ops.Tanh(x * x + x);

        f.Backward();
        double first = x.Grad;
        f.Backward();

        Assert.Equal(first, x.Grad);
    }

    [Fact]
    public void TopologicalOrder_PutsEachNodeOnceAfterItsParents()
    {
        var x = Value.Variable("x", 1);
        var y = Value.Variable("y", 2);
        var f = (x * y + x) * y;

        var order = f.TopologicalOrder();

        Assert.Same(f, order[^1]);
        Assert.Equal(order.Count, order.Distinct().Count());
        var position = order.Select((node, i) => (node, i)).ToDictionary(p => p.node, p => p.i);
        foreach (var node in order)
        {
            Assert.All(node.Parents, parent => Assert.True(position[parent] < position[node]));
        }
    }

    [Fact]
    public void Operators_AcceptADoubleOnEitherSide()
    {
        var x = Value.Variable("x", 4);

        Assert.Equal(5.0, (x + 1).Data);
        Assert.Equal(5.0, (1 + x).Data);
        Assert.Equal(3.0, (x - 1).Data);
        Assert.Equal(-3.0, (1 - x).Data);
        Assert.Equal(8.0, (x * 2).Data);
        Assert.Equal(8.0, (2 * x).Data);
        Assert.Equal(2.0, (x / 2).Data);
        Assert.Equal(0.5, (2 / x).Data);
        Assert.Equal(-4.0, (-x).Data);
        var constant = (2 / x).Parents[0];
        Assert.True(constant.IsLeaf);
        Assert.Null(constant.Label);
    }

    [Fact]
    public void Backward_OnALeaf_SeedsOne()
    {
        var x = Value.Variable("x", 4);

        x.Backward();

        Assert.Equal(1.0, x.Grad);
        Assert.Same(x, Assert.Single(x.TopologicalOrder()));
    }

    [Fact]
    public void Backward_OnlyResetsItsOwnGraph()
    {
        // Grads of nodes outside the graph are left alone; inside, stale values from another output are
        // overwritten, not added to.
        var x = Value.Variable("x", 2);
        var outsider = Value.Variable("w", 1) * 3;
        var f = x * x;
        var g = 5 * x;
        outsider.Backward();
        g.Backward();

        f.Backward();

        Assert.Equal(4.0, x.Grad);
        Assert.Equal(1.0, outsider.Grad);
    }

    [Fact]
    public void Variable_RejectsBlankName()
    {
        Assert.Throws<ArgumentException>(() => Value.Variable(" ", 1));
    }

    internal static void AssertRelative(double expected, double actual, double tolerance)
    {
        double scale = Math.Max(Math.Abs(expected), Math.Abs(actual));
        Assert.True(
            Math.Abs(expected - actual) <= tolerance * scale,
            $"expected {expected:R}, got {actual:R} (relative error {Math.Abs(expected - actual) / scale:E2})");
    }
}
