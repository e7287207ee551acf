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
    /// relu' is a step, not a formula of the grammar, so it is written as its value here (1 or 0).
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
                var other = p[1 - i];
                return other.IsLeaf && other.Label is null ? Term.Number(other.Data) : Term.Of(name(other));
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
            case "relu":
                return Term.Number(node.LocalGrads[0]);
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
