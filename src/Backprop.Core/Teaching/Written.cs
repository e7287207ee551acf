using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>How tightly a written formula binds, loosest first; mirrors the expression grammar.</summary>
public enum Binding
{
    Sum = 1,
    Product = 2,
    Unary = 3,
    Power = 4,
    Atom = 5,
}

/// <summary>
/// A formula written twice, as plain text in the expression grammar (so a symbolic derivative can be parsed
/// back and evaluated) and as LaTeX, with its binding strength so it can be parenthesised where it is used.
/// </summary>
public sealed record Written(string Text, string Latex, Binding Binding)
{
    public static Written Atom(string text, string latex) => new(text, latex, Binding.Atom);

    public static Written Number(double x) =>
        new(NumberText.Format(x), NumberText.Format(x), x < 0 || double.IsNegative(x) ? Binding.Unary : Binding.Atom);

    /// <summary>This formula where at least <paramref name="needed"/> is required, in parentheses if it binds less tightly.</summary>
    public Written AtLeast(Binding needed) =>
        Binding >= needed ? this : new($"({Text})", $"\\left({Latex}\\right)", Binding.Atom);

    /// <summary>this^c, the base parenthesised unless it is an atom (as the grammar requires).</summary>
    public Written Power(double c)
    {
        var b = AtLeast(Binding.Atom);
        return new($"{b.Text}^{NumberText.Format(c)}", $"{b.Latex}^{{{NumberText.Format(c)}}}", Binding.Power);
    }

    /// <summary>
    /// this^exponent for a written exponent: the base parenthesised unless an atom, the exponent unless a power or
    /// an atom (x^y^z is x^(y^z); x^(y - 1) and x^(-y) need them).
    /// </summary>
    public Written Power(Written exponent)
    {
        ArgumentNullException.ThrowIfNull(exponent);
        var b = AtLeast(Binding.Atom);
        var e = exponent.AtLeast(Binding.Power);
        return new($"{b.Text}^{e.Text}", $"{b.Latex}^{{{exponent.Latex}}}", Binding.Power);
    }
}
