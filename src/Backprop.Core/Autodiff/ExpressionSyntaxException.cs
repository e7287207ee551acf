namespace Backprop.Core.Autodiff;

/// <summary>
/// Thrown by <see cref="ExpressionParser.Parse"/> when the text is not a valid expression. The message
/// reads "column 7: expected ')' but found end of input", so the CLI can show it as is, under a caret.
/// </summary>
public sealed class ExpressionSyntaxException : Exception
{
    internal ExpressionSyntaxException(int column, string expected, string found)
        : this(column, expected, found, $"column {column}: expected {expected} but found {found}")
    {
    }

    internal ExpressionSyntaxException(int column, string expected, string found, string message)
        : base(message)
    {
        Column = column;
        Expected = expected;
        Found = found;
    }

    /// <summary>1-based column of the offending character or token (one past the end for "end of input").</summary>
    public int Column { get; }

    /// <summary>What the parser needed at <see cref="Column"/>, e.g. "')'" or "an operand".</summary>
    public string Expected { get; }

    /// <summary>What was there instead, e.g. "'y'" or "end of input".</summary>
    public string Found { get; }
}
