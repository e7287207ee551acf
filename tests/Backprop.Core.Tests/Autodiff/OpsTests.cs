using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class OpsTests
{
    // Each op next to an independent reference written with System.Math, so the test checks the forward
    // value too and does not reuse the rule it is testing.
    private static readonly Dictionary<string, (Func<Value, Value> Op, Func<double, double> Reference)> Unary = new()
    {
        ["exp"] = (Ops.Exp, Math.Exp),
        ["log"] = (Ops.Log, Math.Log),
        ["tanh"] = (Ops.Tanh, Math.Tanh),
        ["sigmoid"] = (Ops.Sigmoid, x => 1 / (1 + Math.Exp(-x))),
        ["relu"] = (Ops.Relu, x => Math.Max(0, x)),
        ["sin"] = (Ops.Sin, Math.Sin),
        ["cos"] = (Ops.Cos, Math.Cos),
        ["abs"] = (Ops.Abs, Math.Abs),
        ["sqrt"] = (Ops.Sqrt, Math.Sqrt),
        ["^3"] = (x => Ops.Pow(x, 3), x => x * x * x),
        ["^-1"] = (x => Ops.Pow(x, -1), x => 1 / x),
        ["^0.5"] = (x => Ops.Pow(x, 0.5), Math.Sqrt),
        ["^-2.5"] = (x => Ops.Pow(x, -2.5), x => Math.Pow(x, -2.5)),
        ["^0"] = (x => Ops.Pow(x, 0), _ => 1),
        ["neg"] = (Ops.Neg, x => -x),
        ["square"] = (Ops.Square, x => x * x),
    };

    private static readonly Dictionary<string, (Func<Value, Value, Value> Op, Func<double, double, double> Reference)> Binary = new()
    {
        ["+"] = (Ops.Add, (a, b) => a + b),
        ["*"] = (Ops.Mul, (a, b) => a * b),
        ["-"] = (Ops.Sub, (a, b) => a - b),
        ["/"] = (Ops.Div, (a, b) => a / b),
        ["max"] = (Ops.Max, Math.Max),
        ["min"] = (Ops.Min, Math.Min),
        ["pow"] = (Ops.Pow, Math.Pow),
    };

    // Points away from kinks (relu at 0) and domain edges (log, fractional powers need x > 0).
    [Theory]
    [InlineData("exp", -3.0)] [InlineData("exp", 0.0)] [InlineData("exp", 2.5)]
    [InlineData("log", 0.1)] [InlineData("log", 1.0)] [InlineData("log", 7.3)]
    [InlineData("tanh", -2.0)] [InlineData("tanh", 0.3)] [InlineData("tanh", 3.0)]
    [InlineData("sigmoid", -6.0)] [InlineData("sigmoid", 0.0)] [InlineData("sigmoid", 4.2)]
    [InlineData("relu", -0.7)] [InlineData("relu", 0.7)] [InlineData("relu", 2.0)]
    [InlineData("sin", -2.0)] [InlineData("sin", 0.0)] [InlineData("sin", 1.3)] [InlineData("sin", 10.0)]
    [InlineData("cos", -2.0)] [InlineData("cos", 0.4)] [InlineData("cos", 1.3)] [InlineData("cos", 10.0)]
    [InlineData("abs", -0.7)] [InlineData("abs", 0.7)] [InlineData("abs", -3e5)]
    [InlineData("sqrt", 0.2)] [InlineData("sqrt", 1.0)] [InlineData("sqrt", 9.0)] [InlineData("sqrt", 1e6)]
    [InlineData("^3", -1.3)] [InlineData("^3", 0.5)] [InlineData("^3", 4.0)]
    [InlineData("^-1", -2.0)] [InlineData("^-1", 0.4)] [InlineData("^-1", 3.0)]
    [InlineData("^0.5", 0.2)] [InlineData("^0.5", 1.0)] [InlineData("^0.5", 9.0)]
    [InlineData("^-2.5", 0.5)] [InlineData("^-2.5", 2.0)]
    [InlineData("^0", -1.5)] [InlineData("^0", 2.0)]
    [InlineData("neg", -1.0)] [InlineData("neg", 2.5)]
    [InlineData("square", -1.5)] [InlineData("square", 0.3)] [InlineData("square", 5.0)]
    public void UnaryOp_GradientMatchesCentralDifference(string name, double x0)
    {
        var (op, reference) = Unary[name];
        var x = Value.Variable("x", x0);
        var y = op(x);

        y.Backward();

        ValueTests.AssertRelative(reference(x0), y.Data, 1e-14);
        // Step h ~ eps^(1/3) balances truncation (h^2 f''') against rounding (eps f / h); at these points the
        // total is ~1e-10 relative, well inside 1e-7. Where f' is exactly 0 (relu left, x^0) the difference
        // is exactly 0 too, so an absolute check is used there.
        double numeric = FiniteDifference.Central(reference, x0);
        if (numeric == 0)
        {
            Assert.Equal(0.0, x.Grad);
        }
        else
        {
            ValueTests.AssertRelative(numeric, x.Grad, 1e-7);
        }
    }

    [Theory]
    [InlineData("+", -1.5, 2.0)] [InlineData("+", 0.3, 0.4)] [InlineData("+", 10.0, -3.0)]
    [InlineData("*", -1.5, 2.0)] [InlineData("*", 0.3, 0.4)] [InlineData("*", 10.0, -3.0)]
    [InlineData("-", -1.5, 2.0)] [InlineData("-", 0.3, 0.4)] [InlineData("-", 10.0, -3.0)]
    [InlineData("/", -1.5, 2.0)] [InlineData("/", 0.3, 0.4)] [InlineData("/", 10.0, -3.0)]
    [InlineData("max", -1.5, 2.0)] [InlineData("max", 0.4, 0.3)] [InlineData("max", 10.0, -3.0)]
    [InlineData("min", -1.5, 2.0)] [InlineData("min", 0.4, 0.3)] [InlineData("min", 10.0, -3.0)]
    [InlineData("pow", 1.5, 2.0)] [InlineData("pow", 0.3, -0.4)] [InlineData("pow", 10.0, 0.5)] [InlineData("pow", 2.0, 0.0)]
    public void BinaryOp_PartialsMatchCentralDifference(string name, double a0, double b0)
    {
        var (op, reference) = Binary[name];
        var a = Value.Variable("a", a0);
        var b = Value.Variable("b", b0);
        var y = op(a, b);

        y.Backward();

        ValueTests.AssertRelative(reference(a0, b0), y.Data, 1e-14);
        ValueTests.AssertRelative(FiniteDifference.Central(t => reference(t, b0), a0), a.Grad, 1e-7);
        ValueTests.AssertRelative(FiniteDifference.Central(t => reference(a0, t), b0), b.Grad, 1e-7);
    }

    [Fact]
    public void Sqrt_IsCorrectlyRoundedAtEveryMagnitude()
    {
        // sqrt(x) and x^0.5 give Math.Sqrt's correctly rounded value, not the C library pow's, which is an ulp
        // off for about 1 x in 1200.
        var rng = new Random(7);
        var sqrt = ExpressionParser.Parse("sqrt(x) - x^0.5");
        for (int i = 0; i < 100_000; i++)
        {
            double x = Math.ScaleB(0.5 + rng.NextDouble(), rng.Next(-1000, 1000));
            Assert.Equal(Math.Sqrt(x), Ops.Sqrt(Value.Constant(x)).Data);
            Assert.Equal(0.0, sqrt.Evaluate(new Dictionary<string, double> { ["x"] = x }));
        }
    }

    [Fact]
    public void Relu_DerivativeAtZeroIsZero()
    {
        // PyTorch's convention for the kink; documented on Ops.Relu.
        var x = Value.Variable("x", 0);
        var y = Ops.Relu(x);

        y.Backward();

        Assert.Equal(0.0, y.Data);
        Assert.Equal(0.0, x.Grad);
    }

    [Theory]
    [InlineData(800.0)]
    [InlineData(-800.0)]
    [InlineData(40.0)]
    [InlineData(-40.0)]
    public void Sigmoid_IsStableForLargeInputs(double x0)
    {
        var x = Value.Variable("x", x0);
        var y = Ops.Sigmoid(x);

        y.Backward();

        // s'(x) = e^-|x| / (1 + e^-|x|)^2, which for |x| >= 40 is e^-|x| to within 1e-17 relative
        // (and underflows to 0 at 800, where it must not become NaN).
        double tail = Math.Exp(-Math.Abs(x0));
        Assert.Equal(x0 > 0 ? 1.0 : tail, y.Data, 1e-300);
        ValueTests.AssertRelative(tail, x.Grad, 1e-14);
    }

    [Theory]
    [InlineData("log", -2.0, "log of -2 is undefined (log needs a positive argument)")]
    [InlineData("log", 0.0, "log of 0 is undefined (log needs a positive argument)")]
    [InlineData("^0.5", -4.0, "(-4)^0.5 is undefined (a negative base needs an integer exponent)")]
    [InlineData("^-1", 0.0, "0^-1 is undefined (division by zero)")]
    [InlineData("^0.5", 0.0, "the derivative of x^0.5 at x = 0 is infinite")]
    [InlineData("exp", 1000.0, "exp of 1000 is not a finite number")]
    public void UnaryOp_OutsideDomain_ThrowsNamingOpAndValue(string name, double x0, string message)
    {
        var ex = Assert.Throws<DomainException>(() => Unary[name].Op(Value.Constant(x0)));

        Assert.StartsWith(message, ex.Message);
        Assert.Equal(name, ex.Op);
    }

    [Fact]
    public void Pow_OfNaN_IsReportedAsNotFinite()
    {
        var ex = Assert.Throws<DomainException>(() => Ops.Pow(Value.Constant(double.NaN), 2));

        Assert.StartsWith("(NaN)^2 is not a finite number", ex.Message);
    }

    [Fact]
    public void Div_ByZero_ThrowsDivisionError()
    {
        var ex = Assert.Throws<DomainException>(() => Value.Variable("x", 3) / 0);

        Assert.Equal("division by zero: 3 / 0 is undefined", ex.Message);
        Assert.Equal("/", ex.Op);
    }

    [Fact]
    public void Mul_Overflow_Throws()
    {
        var ex = Assert.Throws<DomainException>(() => Value.Constant(1e300) * 1e300);

        Assert.StartsWith("1E+300 * 1E+300 is not a finite number", ex.Message);
    }

    [Fact]
    public void FiniteDifference_IsSecondOrderAccurate()
    {
        // Halving h cuts the error of the central difference about fourfold (truncation ~ h^2).
        double exact = Math.Cos(1);
        double e1 = Math.Abs(FiniteDifference.Central(Math.Sin, 1, 1e-2) - exact);
        double e2 = Math.Abs(FiniteDifference.Central(Math.Sin, 1, 5e-3) - exact);

        Assert.InRange(e1 / e2, 3.9, 4.1);
    }
}
