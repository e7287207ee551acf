using System.Globalization;
using Backprop.Core.Autodiff;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Web.Explain;

/// <summary>A node of the graph; <see cref="Id"/> is its name in the DOT (v0_ID in the forward view, v1_ID in the backward one).</summary>
public sealed record FormulaNode(string Id, string Name, string Kind, string Definition, string Formula, string Op, double Data, double Grad);

/// <summary>What one consumer passes back: d(out)/d(consumer) × d(consumer)/d(node) = <see cref="Value"/>.</summary>
public sealed record FormulaContribution(string Consumer, string ConsumerName, double ConsumerGrad, string Local, double LocalValue, double Value, string? Kink);

/// <summary>
/// One step of the backward pass, output first: d(out)/d(node), and <see cref="Line"/> the line <c>lab explain</c>
/// prints for it (step 2). Where the node has several consumers, <see cref="Contributions"/> add up to <see cref="Grad"/>.
/// </summary>
public sealed record FormulaStep(string Node, string Name, double Grad, string Line, IReadOnlyList<FormulaContribution> Contributions);

/// <summary>One path from the output down to an input: its nodes (output first), the local derivative of each step and their product.</summary>
public sealed record FormulaPath(IReadOnlyList<string> Nodes, IReadOnlyList<string> Names, IReadOnlyList<string?> Roles,
    IReadOnlyList<string> Locals, IReadOnlyList<double> LocalValues, string Product, double Value);

/// <summary>
/// d(out)/d(input) as a sum over paths (null <see cref="Paths"/> past the limit), beside the backprop value and a central
/// finite difference of the formula in that input (null where the formula is undefined at a step).
/// </summary>
public sealed record FormulaPathSum(string Input, string Name, double PathCount, IReadOnlyList<FormulaPath>? Paths, string? Symbolic,
    string? Where, double Value, double Backprop, double? FiniteDifference);

/// <summary>
/// The explain page's view of a formula at a point: the same <see cref="ExpressionExplanation"/> that <c>lab explain</c>
/// prints, as data, with the DOT that <c>lab explain --dot</c> writes.
/// </summary>
public sealed record FormulaView(string Program, string Output, IReadOnlyDictionary<string, double> At, string Dot,
    IReadOnlyList<FormulaNode> Nodes, IReadOnlyList<FormulaStep> Steps, IReadOnlyList<FormulaPathSum> PathSums)
{
    /// <summary>
    /// Explains <paramref name="text"/> at <paramref name="at"/>; inputs the point does not give are taken as 1 (and
    /// returned in <see cref="At"/>), so a formula typed without a point still draws.
    /// </summary>
    /// <exception cref="ExplainInputException">The formula is too long, does not parse, is undefined at the point, or its graph is too big.</exception>
    public static FormulaView Of(string text, IReadOnlyDictionary<string, double> at)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(at);
        if (text.Length > ExplainLimits.MaxFormulaLength)
        {
            throw new ExplainInputException($"the formula has {text.Length} characters; the explain page takes at most {ExplainLimits.MaxFormulaLength} (use lab explain for larger ones)");
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ExplainInputException("type a formula, such as z = (3*x + 4*y)^3");
        }

        var point = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var explanation = ExplainInputException.Guard(text, () =>
        {
            var program = ExpressionParser.ParseProgram(text);
            foreach (var (name, value) in at)
            {
                point[name] = value;
            }
            foreach (string input in program.Inputs.Where(i => !at.ContainsKey(i)))
            {
                point[input] = 1;
            }
            return ExpressionExplanation.Create(text, point, [], ExplainLimits.MaxPaths);
        });
        if (explanation.Nodes.Count > ExplainLimits.MaxNodes)
        {
            throw new ExplainInputException($"the formula's graph has {explanation.Nodes.Count} nodes; the explain page draws at most {ExplainLimits.MaxNodes} (use lab explain for larger ones)");
        }

        var ids = new Dictionary<ExplainedNode, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < explanation.Nodes.Count; i++)
        {
            ids[explanation.Nodes[i]] = $"n{i}"; // as ExpressionGraph numbers them in the DOT
        }

        var nodes = explanation.Nodes.Select(n => new FormulaNode(ids[n], n.Name, n.Kind.ToString().ToLowerInvariant(), n.Definition.Text, n.Formula.Text, n.Node.Op, n.Data, n.Grad)).ToList();
        string f = explanation.OutputName;
        var steps = explanation.Backward.Select(s => new FormulaStep(ids[s.Node], s.Node.Name, s.Node.Grad, StepLine(f, s),
            s.Contributions.Select(c => new FormulaContribution(ids[c.Consumer], c.Consumer.Name, c.Consumer.Grad, c.Local.Write().Text, c.LocalValue, c.Value, c.Kink)).ToList())).ToList();
        var sums = explanation.PathSums.Select(s => new FormulaPathSum(ids[s.Input], s.Input.Name, s.PathCount,
            s.Paths?.Select(p => new FormulaPath(p.Nodes.Select(n => ids[n]).ToList(), p.Nodes.Select(n => n.Name).ToList(), p.Roles,
                p.Locals.Select(t => t.Write().Text).ToList(), p.LocalValues, p.Product.Write().Text, p.Value)).ToList(),
            s.Symbolic?.Text, s.Where.Count == 0 ? null : s.WhereText, s.Value, s.Input.Grad, Difference(explanation.Program, point, s.Input.Name))).ToList();
        return new FormulaView(explanation.Program.ToString(), f, point, ExpressionGraph.Dot(explanation), nodes, steps, sums);
    }

    /// <summary>
    /// The line of step 2 of <c>lab explain</c>'s text for one node, without its column padding:
    /// d(out)/d(node) = d(out)/d(parent) x d(parent)/d(node) [+ ...] = numbers = gradient   (local: ...).
    /// </summary>
    public static string StepLine(string f, BackwardStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        string lhs = D(f, step.Node.Name);
        if (step.Contributions.Count == 0)
        {
            return $"{lhs} = 1   (the output with respect to itself)";
        }

        string chain = string.Join(" + ", step.Contributions.Select(c => $"{D(f, c.Consumer.Name)} x {D(c.Consumer.Name, step.Node.Name)}"));
        string numbers = string.Join(" + ", step.Contributions.Select(c => $"{Num(c.Consumer.Grad)} x {Num(c.LocalValue)}"));
        var symbolic = step.Contributions
            .Where(c => c.Local.Factors.Count > 0 || c.Kink is not null)
            .Select(c => $"{D(c.Consumer.Name, step.Node.Name)} = {c.Local.Write().Text}" + (c.Kink is null ? "" : $" at the kink of {c.Consumer.Node.Op}: {c.Kink}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        string where = symbolic.Count == 0 ? "" : $"   (local: {string.Join("; ", symbolic)})";
        return $"{lhs} = {chain} = {numbers} = {Num(step.Node.Grad)}{where}";
    }

    /// <summary>The central difference of the program's output in one input, the others held at the point; null where undefined.</summary>
    private static double? Difference(ExprProgram program, IReadOnlyDictionary<string, double> point, string input)
    {
        var shifted = new Dictionary<string, double>(point, StringComparer.Ordinal);
        double F(double v)
        {
            shifted[input] = v;
            return program.Evaluate(shifted);
        }

        try
        {
            double d = FiniteDifference.Central(F, point[input]);
            return double.IsFinite(d) ? d : null;
        }
        catch (DomainException)
        {
            return null;
        }
    }

    private static string D(string of, string by) => $"d{of}/d{by}";

    /// <summary>Numbers as <c>lab explain</c> prints them: 8 significant digits, invariant culture.</summary>
    public static string Num(double x) => x.ToString("G8", CultureInfo.InvariantCulture);
}
