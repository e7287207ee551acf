namespace Backprop.Core.Autodiff;

/// <summary>
/// Thrown when an expression is built or evaluated without a value for one of its variables.
/// A <see cref="KeyNotFoundException"/>, since that is what it is, with the name and the known names.
/// </summary>
public sealed class UnknownVariableException : KeyNotFoundException
{
    internal UnknownVariableException(string name, IEnumerable<string> known)
        : base($"unknown variable '{name}': no value was given for it (given: {Describe(known)})")
    {
        Name = name;
    }

    /// <summary>The variable that had no value.</summary>
    public string Name { get; }

    private static string Describe(IEnumerable<string> known)
    {
        var names = known.Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }
}
