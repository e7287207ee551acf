namespace Backprop.Core.Teaching;

/// <summary>
/// A request the teaching tools cannot answer because of what the user asked: a point missing a variable,
/// a value for a variable the formula does not have, a derivative with respect to nothing in the graph.
/// The message says what was wrong and what would have been accepted.
/// </summary>
public sealed class TeachingInputException(string message) : Exception(message);
