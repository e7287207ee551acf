namespace Backprop.Core.Autodiff;

/// <summary>
/// Thrown when an operation is applied outside its mathematical domain (log of a non-positive number,
/// division by zero, a power with a non-finite result, an overflow). These are user errors in the teaching
/// CLI, so the message names the operation and the offending value in plain words.
/// </summary>
public sealed class DomainException : Exception
{
    public DomainException(string op, string message)
        : base(message)
    {
        Op = op;
    }

    /// <summary>The operation that failed, as in <see cref="Value.Op"/> ("log", "^-1", "*", ...).</summary>
    public string Op { get; }
}
