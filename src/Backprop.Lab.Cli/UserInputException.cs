namespace Backprop.Lab.Cli;

/// <summary>A command-line value that parses but cannot be used (exit code 2, message only).</summary>
public sealed class UserInputException(string message) : Exception(message);
