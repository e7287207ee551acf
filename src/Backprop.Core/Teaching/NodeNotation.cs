using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>
/// Writes the nodes of a <see cref="Value"/> graph as formulas, either in full (3 * x + 4 * y) or in terms of
/// short names of their inputs (u1 + u2). Works from the graph alone, so it explains any graph, not only
/// parsed ones: the derived ops are recognised by their shape (a + b * -1 is a - b, a * b^-1 is a / b).
/// </summary>
public static class NodeNotation
{
    /// <summary>
    /// The formula of <paramref name="node"/> with each input written by <paramref name="input"/>. With
    /// <paramref name="derived"/> the shapes of - and / are read back as such; without it every node shows
    /// its own primitive op, as a definition line must (u3 = u1 + u2 even when u2 = -y). An input for which
    /// <paramref name="opaque"/> holds is written by <paramref name="input"/> alone, never read through: a named
    /// n = -y stays a + n rather than becoming a - y.
    /// </summary>
    public static Written Write(Value node, Func<Value, Written> input, bool derived = true, Func<Value, bool>? opaque = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(input);
        bool Through(Value v) => derived && (opaque is null || !opaque(v));
        if (node.IsLeaf)
        {
            return node.Label is null ? Written.Number(node.Data) : Written.Atom(node.Label, LatexName(node.Label));
        }

        var p = node.Parents;
        switch (node.Op)
        {
            case "+":
                var left = input(p[0]).AtLeast(Binding.Sum);
                if (Through(p[1]) && IsNegation(p[1]))
                {
                    var sub = input(p[1].Parents[0]).AtLeast(Binding.Product);
                    return new($"{left.Text} - {sub.Text}", $"{left.Latex} - {sub.Latex}", Binding.Sum);
                }

                var right = input(p[1]).AtLeast(Binding.Product);
                return new($"{left.Text} + {right.Text}", $"{left.Latex} + {right.Latex}", Binding.Sum);
            case "*":
                if (derived && IsNegation(node))
                {
                    var operand = input(p[0]).AtLeast(Binding.Unary);
                    return new($"-{operand.Text}", $"-{operand.Latex}", Binding.Unary);
                }

                var a = input(p[0]).AtLeast(Binding.Product);
                if (Through(p[1]) && !p[1].IsLeaf && p[1].Op == "^-1")
                {
                    var d = input(p[1].Parents[0]);
                    return new($"{a.Text} / {d.AtLeast(Binding.Unary).Text}", $"\\frac{{{a.Latex}}}{{{d.Latex}}}", Binding.Product);
                }

                var b = input(p[1]).AtLeast(Binding.Unary);
                // A number times a name reads as the worked example writes it, 3x; anything else gets a dot.
                string dot = p[0].IsLeaf && p[0].Label is null && b.Binding >= Binding.Power ? " " : " \\cdot ";
                return new($"{a.Text} * {b.Text}", $"{a.Latex}{dot}{b.Latex}", Binding.Product);
            case "pow":
                return input(p[0]).Power(input(p[1]));
            case "abs":
                var magnitude = input(p[0]);
                return Written.Atom($"abs({magnitude.Text})", $"\\left|{magnitude.Latex}\\right|");
            default:
                if (node.Op.StartsWith('^'))
                {
                    return input(p[0]).Power(Exponent(node));
                }

                var args = p.Select(input).ToList();
                return Written.Atom(
                    $"{node.Op}({string.Join(", ", args.Select(a => a.Text))})",
                    $"{LatexFunction(node.Op)}\\left({string.Join(", ", args.Select(a => a.Latex))}\\right)");
        }
    }

    /// <summary>The constant exponent c of a "^c" node.</summary>
    public static double Exponent(Value node) =>
        double.Parse(node.Op.AsSpan(1), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>x * -1, the form <see cref="Ops.Neg(Value)"/> builds.</summary>
    public static bool IsNegation(Value node) =>
        node.Op == "*" && node.Parents[1] is { IsLeaf: true, Label: null, Data: -1 };

    /// <summary>A variable name in LaTeX: x_1 for x1 or x_1, w_{12} for w12, Greek letters by name.</summary>
    public static string LatexName(string name)
    {
        string[] greek = ["alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi", "omega"];
        int cut = name.IndexOf('_');
        string stem = cut > 0 ? name[..cut] : name.TrimEnd("0123456789".ToCharArray());
        string sub = cut > 0 ? name[(cut + 1)..] : name[stem.Length..];
        if (stem.Length == 0)
        {
            return name.Replace("_", "\\_", StringComparison.Ordinal);
        }

        string head = greek.Contains(stem, StringComparer.Ordinal) ? "\\" + stem
            : stem.Length == 1 ? stem : $"\\mathit{{{stem.Replace("_", "\\_", StringComparison.Ordinal)}}}";
        return sub.Length == 0 ? head : $"{head}_{{{sub.Replace("_", ",", StringComparison.Ordinal)}}}";
    }

    private static string LatexFunction(string op) => op switch
    {
        "exp" or "log" or "tanh" or "sin" or "cos" or "max" or "min" => "\\" + op,
        _ => $"\\operatorname{{{op}}}",
    };
}
