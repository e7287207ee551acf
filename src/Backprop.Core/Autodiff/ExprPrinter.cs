namespace Backprop.Core.Autodiff;

/// <summary>
/// Prints an <see cref="Expr"/> with the fewest parentheses that make the parser rebuild the same tree:
/// a child is parenthesised only when its precedence is below what its position needs.
/// </summary>
internal static class ExprPrinter
{
    // Binding strength, loosest first; mirrors the parser: + - < * / < unary minus < ^ < atoms.
    private const int Sum = 1;
    private const int Product = 2;
    private const int Unary = 3;
    private const int Power = 4;
    private const int Atom = 5;

    public static string Print(Expr e) => Print(e, Sum);

    private static string Print(Expr e, int needed)
    {
        string text = e switch
        {
            NumberExpr n => NumberText.Format(n.Number),
            ConstantExpr c => c.Name,
            VariableExpr v => v.Name,
            // The operand of a unary minus must bind at least as tightly: -x^2 is -(x^2), -(a + b) needs ().
            NegateExpr n => "-" + Print(n.Operand, Unary),
            // Left-associative: a - (b - c) keeps its parentheses, (a - b) - c loses them.
            BinaryExpr b => b.Operator switch
            {
                BinaryOperator.Add => $"{Print(b.Left, Sum)} + {Print(b.Right, Product)}",
                BinaryOperator.Subtract => $"{Print(b.Left, Sum)} - {Print(b.Right, Product)}",
                BinaryOperator.Multiply => $"{Print(b.Left, Product)} * {Print(b.Right, Unary)}",
                BinaryOperator.Divide => $"{Print(b.Left, Product)} / {Print(b.Right, Unary)}",
                // Right-associative, so x^y^z needs no parentheses; the exponent grammar takes a power or a
                // primary, and a negation only of those, so anything looser is parenthesised: x^(-y), x^(y + 1).
                BinaryOperator.Power => $"{Print(b.Left, Atom)}^{Print(b.Right, Power)}",
                _ => throw new InvalidOperationException($"unknown operator {b.Operator}"),
            },
            // The base of ^ is a primary, so (x^2)^3 and (-x)^2 keep their parentheses; a negative
            // exponent prints as x^-1, which the exponent grammar accepts.
            PowerExpr p => $"{Print(p.Base, Atom)}^{NumberText.Format(p.Exponent)}",
            CallExpr c => $"{c.Function}({string.Join(", ", c.Arguments.Select(a => Print(a, Sum)))})",
            _ => throw new InvalidOperationException($"unknown expression node {e.GetType().Name}"),
        };
        return Precedence(e) < needed ? $"({text})" : text;
    }

    private static int Precedence(Expr e) => e switch
    {
        BinaryExpr { Operator: BinaryOperator.Add or BinaryOperator.Subtract } => Sum,
        BinaryExpr { Operator: BinaryOperator.Power } => Power,
        BinaryExpr => Product,
        NegateExpr => Unary,
        PowerExpr => Power,
        _ => Atom,
    };
}
