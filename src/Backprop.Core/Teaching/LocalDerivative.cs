using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>
/// The symbolic local derivative d(node)/d(node.Parents[i]) of each primitive op, the written twin of the
/// numeric rules in <see cref="Ops"/>. Formulas are in the expression grammar, so a test can parse them back
/// and check them against the numbers the engine computed.
/// </summary>
public static class LocalDerivative
{
    /// <summary>
    /// d(node)/d(input i), with nodes written by <paramref name="name"/> (full formulas or short names).
    /// The kinked ops' derivatives (relu', abs', and max's and min's 1, 0 or 1/2) are steps, not formulas of the
    /// grammar, so they are written as their values at the point.
    /// </summary>
    public static Term Of(Value node, int i, Func<Value, Written> name)
    {
        var p = node.Parents;
        switch (node.Op)
        {
            case "+":
                return Term.Number(1);
            case "*":
                // d(ab)/da = b: a constant other factor is a number, anything else a symbol.
                // A named constant (pi) is written by name, a plain one as its number.
                var other = p[1 - i];
                var written = name(other);
                return other.IsLeaf && other.Label is null && written.Text == NumberText.Format(other.Data) ? Term.Number(other.Data) : Term.Of(written);
            case "pow":
                // d(x^y)/dx = y x^(y - 1), d(x^y)/dy = x^y log(x)
                var x = name(p[0]);
                if (i == 0)
                {
                    var y = name(p[1]);
                    var less = y.AtLeast(Binding.Sum);
                    return new Term(1, [y, x.Power(new Written($"{less.Text} - 1", $"{less.Latex} - 1", Binding.Sum))]);
                }

                return new Term(1, [name(node), Written.Atom($"log({x.Text})", $"\\log\\left({x.Latex}\\right)")]);
            case "sin":
                var cosine = name(p[0]);
                return Term.Of(Written.Atom($"cos({cosine.Text})", $"\\cos\\left({cosine.Latex}\\right)"));
            case "cos":
                var sine = name(p[0]);
                return Term.Of(Written.Atom($"sin({sine.Text})", $"\\sin\\left({sine.Latex}\\right)"), -1);
            case "exp":
                return Term.Of(name(node));
            case "log":
                return Term.Of(name(p[0]).Power(-1));
            case "tanh":
                var t = name(node).Power(2);
                return Term.Of(new Written($"1 - {t.Text}", $"1 - {t.Latex}", Binding.Sum));
            case "sigmoid":
                var s = name(node);
                var rest = s.AtLeast(Binding.Product);
                return new Term(1, [s, new Written($"1 - {rest.Text}", $"1 - {rest.Latex}", Binding.Sum)]);
            case "relu" or "abs" or "max" or "min":
                return Term.Number(node.LocalGrads[i]);
            default:
                if (!node.Op.StartsWith('^'))
                {
                    throw new InvalidOperationException($"no symbolic derivative for op '{node.Op}'");
                }

                // d(x^c)/dx = c x^(c-1)
                double c = NodeNotation.Exponent(node);
                return c == 0 ? Term.Number(0)
                    : c == 1 ? Term.Number(1)
                    : c == 2 ? Term.Of(name(p[0]), 2)
                    : Term.Of(name(p[0]).Power(c - 1), c);
        }
    }
}
