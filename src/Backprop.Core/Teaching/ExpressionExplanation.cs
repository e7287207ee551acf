using System.Text.RegularExpressions;
using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>What a node is, for how it is listed.</summary>
public enum NodeKind
{
    Variable,
    Constant,
    Operation,
}

/// <summary>
/// A node of the explained graph: its short name (x, u1, z), its definition in short names (u3 = u1 + u2),
/// its full formula (3 * x + 4 * y), and its forward value and gradient.
/// </summary>
public sealed record ExplainedNode(Value Node, string Name, NodeKind Kind, Written Definition, Written Formula)
{
    public double Data => Node.Data;

    public double Grad => Node.Grad;
}

/// <summary>What one consumer passes back to a node: d(out)/d(consumer) × d(consumer)/d(node).</summary>
public sealed record Contribution(ExplainedNode Consumer, Term Local, double LocalValue)
{
    public double Value => Consumer.Grad * LocalValue;
}

/// <summary>One line of the backward pass: d(out)/d(node), the sum of what its consumers pass back.</summary>
public sealed record BackwardStep(ExplainedNode Node, IReadOnlyList<Contribution> Contributions);

/// <summary>One path from the output to an input: the local derivative of each step, symbolic and numeric.</summary>
public sealed record ExplainedPath(IReadOnlyList<ExplainedNode> Nodes, IReadOnlyList<Term> Locals, IReadOnlyList<double> LocalValues)
{
    /// <summary>The product of the local derivatives, simplified: the path's symbolic contribution.</summary>
    public Term Product => Locals.Aggregate(Term.Number(1), (a, b) => a.Times(b));

    public double Value => LocalValues.Aggregate(1.0, (a, b) => a * b);
}

/// <summary>
/// d(out)/d(input) as a sum over paths. <see cref="Paths"/> is null when there are more than the limit;
/// <see cref="Symbolic"/> is then null too and only the count and the backprop value are known.
/// </summary>
public sealed record PathSum(ExplainedNode Input, double PathCount, IReadOnlyList<ExplainedPath>? Paths)
{
    public Written? Symbolic => Paths is null ? null : Term.Sum(Paths.Select(p => p.Product.Write()));

    /// <summary>The sum of the path products (equals the input's gradient up to rounding), or NaN when not listed.</summary>
    public double Value => Paths is null ? double.NaN : Paths.Sum(p => p.Value);
}

/// <summary>
/// Everything `lab explain "EXPR"` shows, computed without any console or file: the graph of a formula at
/// a point, its forward values, the backward pass line by line, the input gradients, and each asked-for
/// gradient as a sum over paths of products of local derivatives.
/// </summary>
public sealed partial class ExpressionExplanation
{
    /// <summary>Paths listed one by one up to this many; beyond it only their number is given.</summary>
    public const int DefaultPathLimit = 64;

    private ExpressionExplanation(string outputName, Expr expression, Value output, IReadOnlyList<ExplainedNode> nodes,
        IReadOnlyList<BackwardStep> backward, IReadOnlyList<PathSum> pathSums)
    {
        OutputName = outputName;
        Expression = expression;
        Output = output;
        Nodes = nodes;
        Backward = backward;
        PathSums = pathSums;
    }

    /// <summary>The name of the output, as in "z = ..." (f when the text gives none).</summary>
    public string OutputName { get; }

    public Expr Expression { get; }

    public Value Output { get; }

    /// <summary>Every node once, inputs first (the order of the forward pass).</summary>
    public IReadOnlyList<ExplainedNode> Nodes { get; }

    /// <summary>The backward pass, output first (reverse topological order), constants left out.</summary>
    public IReadOnlyList<BackwardStep> Backward { get; }

    /// <summary>One per asked-for input (all inputs when none was named), in name order.</summary>
    public IReadOnlyList<PathSum> PathSums { get; }

    public ExplainedNode NodeOf(Value value) => Nodes.First(n => ReferenceEquals(n.Node, value));

    /// <summary>
    /// Parses <paramref name="text"/> ("(3*x + 4*y)^3" or "z = (3*x + 4*y)^3"), evaluates it at
    /// <paramref name="at"/>, backpropagates and explains the gradients with respect to <paramref name="wrt"/>
    /// (every variable when empty).
    /// </summary>
    /// <exception cref="ExpressionSyntaxException">The formula does not parse; the column counts from the start of <paramref name="text"/>.</exception>
    /// <exception cref="DomainException">An op is undefined at the point (log of a negative, division by zero).</exception>
    /// <exception cref="TeachingInputException">The point or --wrt does not match the formula's variables.</exception>
    public static ExpressionExplanation Create(string text, IReadOnlyDictionary<string, double> at, IReadOnlyCollection<string> wrt, int pathLimit = DefaultPathLimit)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(wrt);
        var (outputName, expression) = ParseNamed(text);
        var variables = expression.Variables();
        if (variables.Contains(outputName))
        {
            throw new TeachingInputException($"the output is named '{outputName}', which is also a variable of the formula; pick another name");
        }

        string known = variables.Count == 0 ? "none (the formula is a constant)" : string.Join(", ", variables);
        foreach (var name in at.Keys.Where(n => !variables.Contains(n)).Order(StringComparer.Ordinal))
        {
            throw new TeachingInputException($"unknown variable '{name}' in --at: the formula {expression} has the variables {known}");
        }

        var missing = variables.Where(v => !at.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            throw new TeachingInputException($"--at gives no value for {string.Join(", ", missing)}: the formula {expression} needs a value for each of {known}");
        }

        foreach (var name in wrt.Where(n => !variables.Contains(n)))
        {
            throw new TeachingInputException($"--wrt {name} names nothing in the graph of {expression}: its inputs are {known}");
        }

        var output = expression.Build(at);
        output.Backward();
        var nodes = Name(output, outputName);
        var byValue = new Dictionary<Value, ExplainedNode>(ReferenceEqualityComparer.Instance);
        nodes.ForEach(n => byValue.Add(n.Node, n));
        var backward = BackwardSteps(nodes, byValue);
        var asked = wrt.Count == 0 ? variables : wrt.ToHashSet(StringComparer.Ordinal);
        var sums = nodes
            .Where(n => n.Kind == NodeKind.Variable && asked.Contains(n.Name))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => Paths(output, n, byValue, pathLimit))
            .ToList();
        return new ExpressionExplanation(outputName, expression, output, nodes, backward, sums);
    }

    private static (string Name, Expr Expression) ParseNamed(string text)
    {
        var match = NamePrefix().Match(text);
        if (!match.Success)
        {
            return ("f", ExpressionParser.Parse(text));
        }

        int offset = match.Length;
        try
        {
            return (match.Groups[1].Value, ExpressionParser.Parse(text[offset..]));
        }
        catch (ExpressionSyntaxException e)
        {
            // Columns must point into what the user typed, name and all.
            int column = e.Column + offset;
            throw new ExpressionSyntaxException(column, e.Expected, e.Found, e.Message.Replace($"column {e.Column}", $"column {column}", StringComparison.Ordinal));
        }
    }

    private static List<ExplainedNode> Name(Value output, string outputName)
    {
        var order = output.TopologicalOrder();
        var full = NodeNotation.FullFormulas(order);
        var shortNames = new Dictionary<Value, Written>(ReferenceEqualityComparer.Instance);
        var nodes = new List<ExplainedNode>();
        int next = 1;
        foreach (var node in order)
        {
            var kind = node.IsLeaf ? node.Label is null ? NodeKind.Constant : NodeKind.Variable : NodeKind.Operation;
            string name = kind switch
            {
                NodeKind.Operation => ReferenceEquals(node, output) ? outputName : $"u{next++}",
                _ => full[node].Text,
            };
            var definition = NodeNotation.Write(node, parent => shortNames[parent], derived: false);
            shortNames[node] = kind == NodeKind.Constant ? full[node] : Written.Atom(name, NodeNotation.LatexName(name));
            nodes.Add(new ExplainedNode(node, name, kind, definition, full[node]));
        }

        return nodes;
    }

    private static List<BackwardStep> BackwardSteps(List<ExplainedNode> nodes, Dictionary<Value, ExplainedNode> byValue)
    {
        var consumers = new Dictionary<Value, List<Contribution>>(ReferenceEqualityComparer.Instance);
        nodes.ForEach(n => consumers.Add(n.Node, []));
        foreach (var n in nodes)
        {
            for (int i = 0; i < n.Node.Parents.Count; i++)
            {
                var local = LocalDerivative.Of(n.Node, i, v => Short(byValue[v]));
                consumers[n.Node.Parents[i]].Add(new Contribution(n, local, n.Node.LocalGrads[i]));
            }
        }

        return nodes.AsEnumerable().Reverse()
            .Where(n => n.Kind != NodeKind.Constant)
            .Select(n => new BackwardStep(n, consumers[n.Node]))
            .ToList();
    }

    private static Written Short(ExplainedNode n) =>
        n.Kind == NodeKind.Constant ? n.Formula : Written.Atom(n.Name, NodeNotation.LatexName(n.Name));

    private static PathSum Paths(Value output, ExplainedNode input, Dictionary<Value, ExplainedNode> byValue, int limit)
    {
        double count = GraphPaths.Count(output, input.Node);
        if (count > limit)
        {
            return new PathSum(input, count, null);
        }

        var paths = GraphPaths.Enumerate(output, input.Node, limit)
            .Select(steps => new ExplainedPath(
                [byValue[output], .. steps.Select(s => byValue[s.Target])],
                [Term.Number(1), .. steps.Select(s => LocalDerivative.Of(s.Node, s.Input, v => byValue[v].Formula))],
                [1.0, .. steps.Select(s => s.Local)]))
            .ToList();
        return new PathSum(input, count, paths);
    }

    // "z = ..." but not "z == ...": a name, then one equals sign.
    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*")]
    private static partial Regex NamePrefix();
}
