namespace Backprop.Core.Autodiff;

/// <summary>
/// A non-negative literal such as 2, 0.5 or 1e-3. Negative constants are <see cref="NegateExpr"/> of a
/// number, as the parser reads them, so every tree prints to text that re-parses to the same tree.
/// </summary>
public sealed record NumberExpr(double Number) : Expr
{
    public double Number { get; } = double.IsFinite(Number) && !double.IsNegative(Number)
        ? Number
        : throw new ArgumentOutOfRangeException(nameof(Number), Number, "a number literal must be finite and non-negative; write -2 as a negation of 2");

    internal override int Height => 1;
}

/// <summary>A named input, such as x or w_1.</summary>
public sealed record VariableExpr(string Name) : Expr
{
    public string Name { get; } = ExpressionLexer.IsIdentifier(Name) && !MathFunctions.IsKnown(Name)
        ? Name
        : throw new ArgumentException($"'{Name}' is not a valid variable name (letters, digits and _, not starting with a digit, not a function name)", nameof(Name));

    internal override int Height => 1;
}

/// <summary>Unary minus: -Operand.</summary>
public sealed record NegateExpr(Expr Operand) : Expr
{
    public Expr Operand { get; } = Operand ?? throw new ArgumentNullException(nameof(Operand));

    internal override int Height { get; } = 1 + Operand.Height;
}

/// <summary>The four arithmetic operators.</summary>
public enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
}

/// <summary>Left Operator Right, for + - * /.</summary>
public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right) : Expr
{
    public Expr Left { get; } = Left ?? throw new ArgumentNullException(nameof(Left));

    public Expr Right { get; } = Right ?? throw new ArgumentNullException(nameof(Right));

    internal override int Height { get; } = 1 + Math.Max(Left.Height, Right.Height);
}

/// <summary>Base^Exponent with a constant exponent, so the derivative needs only the power rule.</summary>
public sealed record PowerExpr(Expr Base, double Exponent) : Expr
{
    public Expr Base { get; } = Base ?? throw new ArgumentNullException(nameof(Base));

    public double Exponent { get; } = double.IsFinite(Exponent)
        ? Exponent
        : throw new ArgumentOutOfRangeException(nameof(Exponent), Exponent, "the exponent must be a finite number");

    internal override int Height { get; } = 1 + Base.Height;
}

/// <summary>Function(Argument) for one of the known functions: exp, log, relu, sigmoid, tanh.</summary>
public sealed record CallExpr(string Function, Expr Argument) : Expr
{
    public string Function { get; } = MathFunctions.IsKnown(Function)
        ? Function
        : throw new ArgumentException($"unknown function '{Function}'; known functions are {MathFunctions.KnownList}", nameof(Function));

    public Expr Argument { get; } = Argument ?? throw new ArgumentNullException(nameof(Argument));

    internal override int Height { get; } = 1 + Argument.Height;
}
