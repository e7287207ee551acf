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

/// <summary>A named input, such as x or w_1, or in a program a name an earlier statement defined.</summary>
public sealed record VariableExpr(string Name) : Expr
{
    public string Name { get; } = IsValidName(Name)
        ? Name
        : throw new ArgumentException($"'{Name}' is not a valid variable name (letters, digits and _, not starting with a digit, not a function or constant name)", nameof(Name));

    internal override int Height => 1;

    /// <summary>Whether <paramref name="name"/> can name a variable: an identifier that is no function (exp) or constant (pi).</summary>
    public static bool IsValidName(string? name) =>
        ExpressionLexer.IsIdentifier(name) && !MathFunctions.IsKnown(name!) && !MathFunctions.IsConstant(name!);
}

/// <summary>A named constant: pi or e.</summary>
public sealed record ConstantExpr(string Name) : Expr
{
    public string Name { get; } = MathFunctions.IsConstant(Name)
        ? Name
        : throw new ArgumentException($"unknown constant '{Name}'; the constants are {string.Join(", ", MathFunctions.Constants.Keys)}", nameof(Name));

    /// <summary>The double nearest to the constant.</summary>
    public double Number => MathFunctions.Constants[Name];

    internal override int Height => 1;
}

/// <summary>Unary minus: -Operand.</summary>
public sealed record NegateExpr(Expr Operand) : Expr
{
    public Expr Operand { get; } = Operand ?? throw new ArgumentNullException(nameof(Operand));

    internal override int Height { get; } = 1 + Operand.Height;
}

/// <summary>The four arithmetic operators, and ^ with a variable exponent.</summary>
public enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,

    /// <summary>Left^Right where Right has a variable; a constant exponent is a <see cref="PowerExpr"/>.</summary>
    Power,
}

/// <summary>Left Operator Right, for + - * / and ^ with a variable exponent.</summary>
public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right) : Expr
{
    public Expr Left { get; } = Left ?? throw new ArgumentNullException(nameof(Left));

    // A constant exponent must be a PowerExpr, as the parser folds it: otherwise printing and parsing back would
    // give another tree.
    public Expr Right { get; } = Right is null ? throw new ArgumentNullException(nameof(Right))
        : Operator == BinaryOperator.Power && Right.Variables().Count == 0
        ? throw new ArgumentException("a power with a constant exponent is a PowerExpr", nameof(Right))
        : Right;

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

/// <summary>Function(Arguments) for one of the known functions, with as many arguments as it takes.</summary>
public sealed record CallExpr : Expr
{
    public CallExpr(string function, params Expr[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var known = MathFunctions.Get(function);
        if (arguments.Length != known.Arity || arguments.Any(a => a is null))
        {
            throw new ArgumentException($"{function} takes {known.Arity} argument{(known.Arity == 1 ? "" : "s")}: {known.Signature}", nameof(arguments));
        }

        Function = function;
        Arguments = arguments.ToArray();
        Height = 1 + Arguments.Max(a => a.Height);
    }

    public string Function { get; }

    public IReadOnlyList<Expr> Arguments { get; }

    internal override int Height { get; }

    public bool Equals(CallExpr? other) =>
        other is not null && Function == other.Function && Arguments.SequenceEqual(other.Arguments);

    public override int GetHashCode() => Arguments.Aggregate(Function.GetHashCode(StringComparison.Ordinal), HashCode.Combine);
}
