using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>
/// A product coefficient × factor × factor ..., the symbolic form of a local derivative or of a path's chain
/// of them. Numbers are multiplied into the coefficient and equal factors become powers, so the worked example's
/// 3(3x + 4y)^2 × 1 × 3 reads 9(3x + 4y)^2.
/// </summary>
public sealed record Term(double Coefficient, IReadOnlyList<Written> Factors)
{
    public static Term Number(double c) => new(c, []);

    public static Term Of(Written factor, double coefficient = 1) => new(coefficient, [factor]);

    public Term Times(Term other) => new(Coefficient * other.Coefficient, [.. Factors, .. other.Factors]);

    /// <summary>The product written out: 0 if the coefficient is 0, equal factors merged into powers, 1s dropped.</summary>
    public Written Write()
    {
        if (Coefficient == 0 || Factors.Count == 0)
        {
            return Written.Number(Coefficient);
        }

        var merged = Factors
            .GroupBy(f => f.Text, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First() : g.First().Power(g.Count()))
            .Select(f => f.AtLeast(Binding.Product))
            .ToList();
        string text = string.Join(" * ", merged.Select(f => f.Text));
        string latex = string.Join(" \\, ", merged.Select(f => f.Latex));
        if (Coefficient == 1)
        {
            return new(text, latex, merged.Count == 1 ? merged[0].Binding : Binding.Product);
        }

        if (Coefficient == -1)
        {
            // Unary minus binds looser than ^ but tighter than *: -(a * b) reads -a * b with the same value.
            return new($"-{text}", $"-{latex}", Binding.Unary);
        }

        string c = NumberText.Format(Coefficient);
        return new($"{c} * {text}", $"{c} \\, {latex}", Coefficient < 0 ? Binding.Unary : Binding.Product);
    }

    /// <summary>A sum of terms, e.g. the paths that meet at a node; "0" for no terms.</summary>
    public static Written Sum(IEnumerable<Written> terms)
    {
        var list = terms.ToList();
        if (list.Count == 0)
        {
            return Written.Number(0);
        }

        if (list.Count == 1)
        {
            return list[0];
        }

        // "a + -b" would be legal but ugly; the grammar lets "a - b" stand for it exactly.
        var text = new System.Text.StringBuilder(list[0].Text);
        var latex = new System.Text.StringBuilder(list[0].Latex);
        foreach (var t in list.Skip(1))
        {
            bool negative = t.Text.StartsWith('-') && t.Binding >= Binding.Unary && t.Binding != Binding.Atom;
            text.Append(negative ? $" - {t.Text[1..]}" : $" + {t.AtLeast(Binding.Product).Text}");
            latex.Append(negative ? $" - {t.Latex[1..]}" : $" + {t.AtLeast(Binding.Product).Latex}");
        }

        return new(text.ToString(), latex.ToString(), Binding.Sum);
    }
}
