namespace Backprop.Core.Autodiff;

/// <summary>
/// Thrown by <see cref="ExpressionParser"/> when the text is not a valid formula or program. The message reads
/// "column 7: expected ')' but found end of input" ("line 2, column 7: ..." in text of several lines), so the
/// CLI can show it as is, under a caret.
/// </summary>
public sealed class ExpressionSyntaxException : Exception
{
    internal ExpressionSyntaxException(Position at, string expected, string found)
        : this(at, expected, found, $"{at.Describe()}: expected {expected} but found {found}")
    {
    }

    internal ExpressionSyntaxException(Position at, string expected, string found, string message)
        : base(message)
    {
        Line = at.Line;
        Column = at.Column;
        Expected = expected;
        Found = found;
    }

    /// <summary>1-based line of the offending token (1 for a one-line formula).</summary>
    public int Line { get; }

    /// <summary>1-based column within <see cref="Line"/> of the offending character or token (one past the end for "end of input").</summary>
    public int Column { get; }

    /// <summary>What the parser needed at <see cref="Column"/>, e.g. "')'" or "an operand".</summary>
    public string Expected { get; }

    /// <summary>What was there instead, e.g. "'y'" or "end of input".</summary>
    public string Found { get; }
}
