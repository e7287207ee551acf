namespace Backprop.Core.Autodiff;

/// <summary>
/// Parses formulas such as <c>(3*x + 4*y)^3</c> or <c>tanh(w*x + b)</c> into an <see cref="Expr"/>, and small
/// programs such as <c>a = x*y; c = a + x; c = c*c</c> into an <see cref="ExprProgram"/>.
/// </summary>
/// <remarks>
/// Grammar, loosest first (recursive descent, one method per line):
/// <code>
/// program   := statement (separator statement)*   separator: ';' or a line break (see ExpressionLexer)
/// statement := name '=' sum | sum                 only the last statement may be a bare sum
/// sum       := product (('+' | '-') product)*
/// product   := unary (('*' | '/') unary)*
/// unary     := '-' unary | power                  -x^2 is -(x^2)
/// power     := primary (('^' | '**') exponent)?
/// exponent  := '-' exponent | primary (('^' | '**') exponent)?    right-associative: x^2^3 = x^8
/// primary   := number | constant | name | function '(' sum (',' sum)* ')' | '(' sum ')'
/// </code>
/// An exponent without variables is folded to a number at parse time, so x^2 differentiates by the power rule
/// alone; one with a variable (x^y, 2^x) is the two-input power. Nesting is limited so that a hostile or
/// mistyped input gets a syntax error rather than a stack overflow.
/// </remarks>
public static partial class ExpressionParser
{
    /// <summary>Deepest nesting of parentheses, unary minus and calls the parser accepts.</summary>
    public const int MaxNesting = 200;

    /// <summary>Largest tree height accepted (a chain like x + x + ... + x of that many terms).</summary>
    public const int MaxHeight = 1000;

    /// <summary>The name a program's output gets when its last statement is a bare formula (unless that name is taken).</summary>
    public const string DefaultOutputName = "f";

    private const string Operand = "an operand";
    private const string Exponent = "an exponent (a number, a name, a call or a parenthesised expression)";

    /// <summary>The functions a formula may call.</summary>
    public static IReadOnlyList<string> KnownFunctions => MathFunctions.Names;

    /// <summary>How many arguments a known function takes (2 for max and min, else 1).</summary>
    public static int Arity(string function) => MathFunctions.Get(function).Arity;

    /// <summary>Parses one formula (no statements) into a tree.</summary>
    /// <exception cref="ExpressionSyntaxException">Bad syntax; carries the column and what was expected.</exception>
    /// <exception cref="DomainException">A constant exponent is itself undefined, as in x^(log(0)).</exception>
    public static Expr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(ExpressionLexer.Tokenize(text));
        var e = parser.ParseSum();
        parser.Expect(TokenKind.End, "an operator or end of input");
        return e;
    }

    /// <summary>
    /// Parses a program: statements <c>name = formula</c> separated by ';' or line breaks, the last one the
    /// output (a bare formula there is named <see cref="DefaultOutputName"/>, or f_1, f_2, ... if that is taken).
    /// </summary>
    /// <exception cref="ExpressionSyntaxException">Bad syntax, or a statement assigning an input, a function or a constant.</exception>
    /// <exception cref="DomainException">A constant exponent is itself undefined.</exception>
    public static ExprProgram ParseProgram(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(ExpressionLexer.Tokenize(text)).ParseProgram();
    }

    private sealed partial class Parser(List<Token> tokens)
    {
        private int _position;
        private int _nesting;

        private Token Current => tokens[_position];

        public Expr ParseSum()
        {
            var left = ParseProduct();
            while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
            {
                var op = Next();
                var right = ParseProduct();
                left = Checked(new BinaryExpr(op.Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract, left, right), op);
            }

            return left;
        }

        public void Expect(TokenKind kind, string expected)
        {
            if (Current.Kind != kind)
            {
                throw Error(expected);
            }

            Next();
        }

        private Expr ParseProduct()
        {
            var left = ParseUnary();
            while (Current.Kind is TokenKind.Star or TokenKind.Slash)
            {
                var op = Next();
                var right = ParseUnary();
                left = Checked(new BinaryExpr(op.Kind == TokenKind.Star ? BinaryOperator.Multiply : BinaryOperator.Divide, left, right), op);
            }

            return left;
        }

        private Expr ParseUnary()
        {
            if (Current.Kind != TokenKind.Minus)
            {
                return ParsePower();
            }

            var minus = Next();
            Enter(minus);
            var operand = ParseUnary();
            _nesting--;
            return Checked(new NegateExpr(operand), minus);
        }

        private Expr ParsePower()
        {
            var primary = ParsePrimary();
            if (Current.Kind != TokenKind.Caret)
            {
                return primary;
            }

            var caret = Next();
            return Power(primary, caret);
        }

        // base^exponent: the power rule's PowerExpr when the exponent has no variable, else the two-input power.
        private Expr Power(Expr @base, Token caret)
        {
            var start = Current;
            var exponent = ParseExponent();
            if (exponent.Variables().Count > 0)
            {
                return Checked(new BinaryExpr(BinaryOperator.Power, @base, exponent), caret);
            }

            double value = Fold(exponent);
            return double.IsFinite(value)
                ? Checked(new PowerExpr(@base, value), caret)
                : throw new ExpressionSyntaxException(start.At, "a finite constant exponent", double.IsNaN(value) ? "one that is undefined" : "one too large to represent");
        }

        private Expr ParseExponent()
        {
            var start = Current;
            Enter(start);
            Expr e;
            if (start.Kind == TokenKind.Minus)
            {
                Next();
                e = Checked(new NegateExpr(ParseExponent()), start);
            }
            else
            {
                if (start.Kind is not (TokenKind.Number or TokenKind.Identifier or TokenKind.LeftParen))
                {
                    throw Error(Exponent);
                }

                e = ParsePrimary();
                if (Current.Kind == TokenKind.Caret)
                {
                    e = Power(e, Next());
                }
            }

            _nesting--;
            return e;
        }

        // A constant exponent's value: negation and powers by plain arithmetic (so 10^400 is "too large" and
        // (-8)^(1/3) "undefined", both syntax errors), anything else by the evaluator (log(0) is a domain error).
        private static double Fold(Expr e) => e switch
        {
            NegateExpr n => -Fold(n.Operand),
            PowerExpr p => Math.Pow(Fold(p.Base), p.Exponent),
            _ => e.Evaluate(new Dictionary<string, double>()),
        };

        private Expr ParsePrimary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Number:
                    Next();
                    return new NumberExpr(token.Number);
                case TokenKind.LeftParen:
                    return ParseParenthesised();
                case TokenKind.Identifier when MathFunctions.Find(token.Text) is { } function:
                    Next();
                    if (Current.Kind != TokenKind.LeftParen)
                    {
                        throw Error($"'(' after function name '{token.Text}'");
                    }

                    var arguments = ParseArguments(function);
                    return Checked(new CallExpr(token.Text, [.. arguments]), token);
                case TokenKind.Identifier:
                    Next();
                    if (Current.Kind == TokenKind.LeftParen)
                    {
                        string known = MathFunctions.KnownList;
                        throw new ExpressionSyntaxException(
                            token.At,
                            $"a known function ({known})",
                            token.Describe(),
                            $"{token.At.Describe()}: unknown function {token.Text}; known functions are {known}");
                    }

                    return MathFunctions.IsConstant(token.Text) ? new ConstantExpr(token.Text) : new VariableExpr(token.Text);
                default:
                    throw Error(Operand);
            }
        }

        private List<Expr> ParseArguments(MathFunction function)
        {
            var open = Next();
            Enter(open);
            var arguments = new List<Expr> { ParseSum() };
            while (Current.Kind == TokenKind.Comma && arguments.Count < function.Arity)
            {
                Next();
                arguments.Add(ParseSum());
            }

            if (Current.Kind != TokenKind.RightParen)
            {
                throw Error(arguments.Count < function.Arity ? "','" : $"')': {function.Signature} takes {Count(function.Arity)}");
            }

            if (arguments.Count < function.Arity)
            {
                throw new ExpressionSyntaxException(Current.At, $"{Count(function.Arity)} for {function.Signature}", Count(arguments.Count));
            }

            Next();
            _nesting--;
            return arguments;

            static string Count(int n) => n == 1 ? "1 argument" : $"{n} arguments";
        }

        private Expr ParseParenthesised()
        {
            var open = Next();
            Enter(open);
            var inner = ParseSum();
            if (Current.Kind != TokenKind.RightParen)
            {
                throw Error("')'");
            }

            Next();
            _nesting--;
            return inner;
        }

        private Token Next() => tokens[_position++];

        private void Enter(Token at)
        {
            if (++_nesting > MaxNesting)
            {
                throw new ExpressionSyntaxException(at.At, $"at most {MaxNesting} levels of nesting", "deeper nesting");
            }
        }

        private static Expr Checked(Expr e, Token at) =>
            e.Height <= MaxHeight
                ? e
                : throw new ExpressionSyntaxException(at.At, $"an expression at most {MaxHeight} levels deep", "a deeper one");

        private ExpressionSyntaxException Error(string expected) =>
            new(Current.At, expected, Current.Describe());
    }
}
