using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class ExpressionParserTests
{
    private static readonly Expr X = new VariableExpr("x");
    private static readonly Expr Y = new VariableExpr("y");
    private static readonly Expr Z = new VariableExpr("z");

    private static NumberExpr N(double v) => new(v);

    private static BinaryExpr Add(Expr a, Expr b) => new(BinaryOperator.Add, a, b);

    private static BinaryExpr Sub(Expr a, Expr b) => new(BinaryOperator.Subtract, a, b);

    private static BinaryExpr Mul(Expr a, Expr b) => new(BinaryOperator.Multiply, a, b);

    private static BinaryExpr Div(Expr a, Expr b) => new(BinaryOperator.Divide, a, b);

    public static TheoryData<string, Expr> Trees => new()
    {
        { "x + y * z", Add(X, Mul(Y, Z)) },
        { "(x + y) * z", Mul(Add(X, Y), Z) },
        { "x - y - z", Sub(Sub(X, Y), Z) },
        { "x - (y - z)", Sub(X, Sub(Y, Z)) },
        { "x / y / z", Div(Div(X, Y), Z) },
        { "x / y * z", Mul(Div(X, Y), Z) },
        { "-x^2", new NegateExpr(new PowerExpr(X, 2)) },
        { "(-x)^2", new PowerExpr(new NegateExpr(X), 2) },
        { "x^2^3", new PowerExpr(X, 8) },
        { "(x^2)^3", new PowerExpr(new PowerExpr(X, 2), 3) },
        { "x**-1", new PowerExpr(X, -1) },
        { "x^-2^2", new PowerExpr(X, -4) },
        { "x^(1/2)", new PowerExpr(X, 0.5) },
        { "x ^ (-0.5)", new PowerExpr(X, -0.5) },
        { "2*-x", Mul(N(2), new NegateExpr(X)) },
        { "--x", new NegateExpr(new NegateExpr(X)) },
        { "-x * y", Mul(new NegateExpr(X), Y) },
        { "tanh(w_1*x + b)", new CallExpr("tanh", Add(Mul(new VariableExpr("w_1"), X), new VariableExpr("b"))) },
        { "sigmoid(relu(exp(log(x))))", new CallExpr("sigmoid", new CallExpr("relu", new CallExpr("exp", new CallExpr("log", X)))) },
        { ".5 + 1e-3 + 2. + 1.5E+2", Add(Add(Add(N(0.5), N(0.001)), N(2)), N(150)) },
        { "(3*x + 4*y)^3", new PowerExpr(Add(Mul(N(3), X), Mul(N(4), Y)), 3) },
        { "x^y", new BinaryExpr(BinaryOperator.Power, X, Y) },
        { "x^(2*y)", new BinaryExpr(BinaryOperator.Power, X, Mul(N(2), Y)) },
        { "x^-y^2", new BinaryExpr(BinaryOperator.Power, X, new NegateExpr(new PowerExpr(Y, 2))) },
        { "2^x^y", new BinaryExpr(BinaryOperator.Power, N(2), new BinaryExpr(BinaryOperator.Power, X, Y)) },
        { "x^pi", new PowerExpr(X, Math.PI) },
        { "e^x * pi", Mul(new BinaryExpr(BinaryOperator.Power, new ConstantExpr("e"), X), new ConstantExpr("pi")) },
        { "max(x, y*z) - min(1, abs(x))", Sub(new CallExpr("max", X, Mul(Y, Z)), new CallExpr("min", N(1), new CallExpr("abs", X))) },
        { "sqrt(sin(x) + cos(y))", new CallExpr("sqrt", Add(new CallExpr("sin", X), new CallExpr("cos", Y))) },
    };

    [Theory]
    [MemberData(nameof(Trees))]
    public void Parse_FollowsPrecedenceAndAssociativity(string text, Expr expected)
    {
        Assert.Equal(expected, ExpressionParser.Parse(text));
    }

    [Theory]
    [InlineData("x+y*z", "x + y * z")]
    [InlineData("((x))", "x")]
    [InlineData("x - (y - z)", "x - (y - z)")]
    [InlineData("x - (y + z)", "x - (y + z)")]
    [InlineData("(x - y) - z", "x - y - z")]
    [InlineData("x / (y * z)", "x / (y * z)")]
    [InlineData("-(x + y)", "-(x + y)")]
    [InlineData("-x**2", "-x^2")]
    [InlineData("(-x)^2", "(-x)^2")]
    [InlineData("x^(1/2)", "x^0.5")]
    [InlineData("x ^ -1", "x^-1")]
    [InlineData("2 - -3", "2 - -3")]
    [InlineData("0.00001*x", "1E-05 * x")]
    [InlineData("tanh( x*(y+1) )", "tanh(x * (y + 1))")]
    [InlineData("x^(-y)", "x^(-y)")]
    [InlineData("x**-y", "x^(-y)")]
    [InlineData("x^(y+1)*2", "x^(y + 1) * 2")]
    [InlineData("(x^y)^z", "(x^y)^z")]
    [InlineData("x^y^z", "x^y^z")]
    [InlineData("max( x,y )", "max(x, y)")]
    [InlineData("2*pi*e", "2 * pi * e")]
    public void ToString_IsCanonicalAndReparses(string text, string canonical)
    {
        var e = ExpressionParser.Parse(text);

        Assert.Equal(canonical, e.ToString());
        Assert.Equal(e, ExpressionParser.Parse(e.ToString()));
    }

    [Theory]
    [InlineData("2*x +", 6, "an operand", "end of input")]
    [InlineData("(3*x", 5, "')'", "end of input")]
    [InlineData("x^", 3, "an exponent", "end of input")]
    [InlineData("x^*2", 3, "an exponent", "'*'")]
    [InlineData("max(x)", 6, "2 arguments for max(a, b)", "1 argument")]
    [InlineData("max(x y)", 7, "','", "'y'")]
    [InlineData("sin(x, y)", 6, "')': sin(x) takes 1 argument", "','")]
    [InlineData("max(x, y, z)", 9, "')': max(a, b) takes 2 arguments", "','")]
    [InlineData("x = 2", 3, "an operator or end of input", "'='")]
    [InlineData("x; y", 2, "an operator or end of input", "';'")]
    [InlineData("", 1, "an operand", "end of input")]
    [InlineData("x y", 3, "an operator or end of input", "'y'")]
    [InlineData("x)", 2, "an operator or end of input", "')'")]
    [InlineData("3 * # 4", 5, "a number, name, operator or parenthesis", "'#'")]
    [InlineData("1e+", 4, "digits of the exponent after 'e'", "end of input")]
    [InlineData("1e400", 1, "a finite number", "'1e400', which is too large")]
    [InlineData("exp + 1", 5, "'(' after function name 'exp'", "'+'")]
    [InlineData("tanh(x", 7, "')'", "end of input")]
    [InlineData("x^10^400", 3, "a finite constant exponent", "one too large to represent")]
    [InlineData("x^(-8)^(1/3)", 3, "a finite constant exponent", "one that is undefined")]
    public void Parse_BadSyntax_ReportsColumnAndExpectedToken(string text, int column, string expected, string found)
    {
        var ex = Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse(text));

        Assert.Equal(column, ex.Column);
        Assert.StartsWith(expected, ex.Expected);
        Assert.Equal(found, ex.Found);
        Assert.Equal($"column {column}: expected {ex.Expected} but found {found}", ex.Message);
    }

    [Fact]
    public void Parse_MissingParenthesis_MessageNamesIt()
    {
        var ex = Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse("(x + y"));

        Assert.Equal("column 7: expected ')' but found end of input", ex.Message);
    }

    [Fact]
    public void Parse_UnknownFunction_NamesItAndTheKnownOnes()
    {
        var ex = Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse("2 * foo(x)"));

        Assert.Equal(5, ex.Column);
        Assert.Equal("column 5: unknown function foo; known functions are abs, cos, exp, log, max, min, relu, sigmoid, sin, sqrt, tanh", ex.Message);
    }

    [Fact]
    public void Parse_DeepNesting_IsASyntaxErrorNotAStackOverflow()
    {
        string deep = new string('(', 100_000) + "x" + new string(')', 100_000);
        string negations = new string('-', 100_000) + "x";
        string longSum = string.Join(" + ", Enumerable.Repeat("x", 5000));

        Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse(deep));
        Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse(negations));
        Assert.Throws<ExpressionSyntaxException>(() => ExpressionParser.Parse(longSum));
    }

    [Fact]
    public void Parse_AcceptsNestingUpToTheLimit()
    {
        int depth = ExpressionParser.MaxNesting;
        string text = new string('(', depth) + "x" + new string(')', depth);

        Assert.Equal(X, ExpressionParser.Parse(text));
    }

    [Fact]
    public void Parse_UndefinedConstantExponent_IsADomainError()
    {
        var ex = Assert.Throws<DomainException>(() => ExpressionParser.Parse("x^(log(0))"));

        Assert.Equal("log of 0 is undefined (log needs a positive argument)", ex.Message);
    }
}
