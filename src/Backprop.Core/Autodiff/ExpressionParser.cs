namespace Backprop.Core.Autodiff;

/// <summary>
/// Parses formulas such as <c>(3*x + 4*y)^3</c> or <c>tanh(w*x + b)</c> into an <see cref="Expr"/>.
/// </summary>
/// <remarks>
/// Grammar, loosest first (recursive descent, one method per line):
/// <code>
/// sum      := product (('+' | '-') product)*
/// product  := unary (('*' | '/') unary)*
/// unary    := '-' unary | power                  -x^2 is -(x^2)
/// power    := primary (('^' | '**') exponent)?
/// exponent := '-' exponent | constant (('^' | '**') exponent)?    right-associative: x^2^3 = x^8
/// constant := number | '(' sum ')'               the parenthesised sum must contain no variable
/// primary  := number | name | function '(' sum ')' | '(' sum ')'
/// </code>
/// Exponents are constants so every power differentiates by the power rule alone; they are folded to a
/// number at parse time. Nesting is limited so that a hostile or mistyped input gets a syntax error rather
/// than a stack overflow.
/// </remarks>
public static class ExpressionParser
{
    /// <summary>Deepest nesting of parentheses, unary minus and calls the parser accepts.</summary>
    public const int MaxNesting = 200;

    /// <summary>Largest tree height accepted (a chain like x + x + ... + x of that many terms).</summary>
    public const int MaxHeight = 1000;

    private const string Operand = "an operand";
    private const string ConstantExponent = "a constant exponent (a number such as 2, -1 or 0.5, or a parenthesised constant)";

    /// <summary>The functions a formula may call.</summary>
    public static IReadOnlyList<string> KnownFunctions => MathFunctions.Names;

    /// <summary>Parses <paramref name="text"/> into a tree.</summary>
    /// <exception cref="ExpressionSyntaxException">Bad syntax; carries the column and what was expected.</exception>
    /// <exception cref="DomainException">A parenthesised constant exponent is itself undefined, as in x^(1/0).</exception>
    public static Expr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(ExpressionLexer.Tokenize(text)).ParseAll();
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _position;
        private int _nesting;

        private Token Current => tokens[_position];

        public Expr ParseAll()
        {
            var e = ParseSum();
            if (Current.Kind != TokenKind.End)
            {
                throw Error("an operator or end of input");
            }

            return e;
        }

        private Expr ParseSum()
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
            return Checked(new PowerExpr(primary, ParseExponent()), caret);
        }

        private double ParseExponent()
        {
            var start = Current;
            Enter(start);
            double value;
            if (start.Kind == TokenKind.Minus)
            {
                Next();
                value = -ParseExponent();
            }
            else
            {
                value = ParseConstant();
                if (Current.Kind == TokenKind.Caret)
                {
                    Next();
                    value = Math.Pow(value, ParseExponent());
                }
            }

            _nesting--;
            return double.IsFinite(value)
                ? value
                : throw new ExpressionSyntaxException(start.Column, "a finite constant exponent", double.IsNaN(value) ? "one that is undefined" : "one too large to represent");
        }

        private double ParseConstant()
        {
            var start = Current;
            if (start.Kind == TokenKind.Number)
            {
                Next();
                return start.Number;
            }

            if (start.Kind != TokenKind.LeftParen)
            {
                throw Error(ConstantExponent);
            }

            int first = _position;
            var inner = ParseParenthesised();
            // A variable anywhere inside makes the exponent non-constant; point at the first one.
            for (int i = first; i < _position; i++)
            {
                var t = tokens[i];
                if (t.Kind == TokenKind.Identifier && !MathFunctions.IsKnown(t.Text))
                {
                    throw new ExpressionSyntaxException(t.Column, ConstantExponent, $"variable {t.Describe()}");
                }
            }

            return inner.Evaluate(new Dictionary<string, double>());
        }

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
                case TokenKind.Identifier when MathFunctions.IsKnown(token.Text):
                    Next();
                    if (Current.Kind != TokenKind.LeftParen)
                    {
                        throw Error($"'(' after function name '{token.Text}'");
                    }

                    return Checked(new CallExpr(token.Text, ParseParenthesised()), token);
                case TokenKind.Identifier:
                    Next();
                    if (Current.Kind == TokenKind.LeftParen)
                    {
                        string known = MathFunctions.KnownList;
                        throw new ExpressionSyntaxException(
                            token.Column,
                            $"a known function ({known})",
                            token.Describe(),
                            $"column {token.Column}: unknown function '{token.Text}'; known functions are {known}");
                    }

                    return new VariableExpr(token.Text);
                default:
                    throw Error(Operand);
            }
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
                throw new ExpressionSyntaxException(at.Column, $"at most {MaxNesting} levels of nesting", "deeper nesting");
            }
        }

        private static Expr Checked(Expr e, Token at) =>
            e.Height <= MaxHeight
                ? e
                : throw new ExpressionSyntaxException(at.Column, $"an expression at most {MaxHeight} levels deep", "a deeper one");

        private ExpressionSyntaxException Error(string expected) =>
            new(Current.Column, expected, Current.Describe());
    }
}
