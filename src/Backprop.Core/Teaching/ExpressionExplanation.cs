using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>
/// Everything `lab explain "EXPR"` shows, computed without any console or file: the graph of a formula or a
/// small program at a point, its forward values, the backward pass line by line, the input gradients, and
/// each asked-for gradient as a sum over paths of products of local derivatives.
/// </summary>
public sealed class ExpressionExplanation
{
    /// <summary>Paths listed one by one up to this many; beyond it only their number is given.</summary>
    public const int DefaultPathLimit = 64;

    private ExpressionExplanation(ExprProgram program, Value output, IReadOnlyList<ExplainedNode> nodes,
        IReadOnlyList<BackwardStep> backward, IReadOnlyList<PathSum> pathSums)
    {
        Program = program;
        Output = output;
        Nodes = nodes;
        Backward = backward;
        PathSums = pathSums;
    }

    /// <summary>The name of the output, as in "z = ..." (f when the text gives none).</summary>
    public string OutputName => Program.OutputName;

    /// <summary>The statements as parsed; a one-line formula is a program of one statement.</summary>
    public ExprProgram Program { get; }

    /// <summary>The output's formula (the last statement's), in the names of earlier statements.</summary>
    public Expr Expression => Program.Output;

    public Value Output { get; }

    /// <summary>Every node once, inputs first (the order of the forward pass).</summary>
    public IReadOnlyList<ExplainedNode> Nodes { get; }

    /// <summary>The backward pass, output first (reverse topological order), constants left out.</summary>
    public IReadOnlyList<BackwardStep> Backward { get; }

    /// <summary>One per asked-for input (all inputs when none was named), in name order.</summary>
    public IReadOnlyList<PathSum> PathSums { get; }

    public ExplainedNode NodeOf(Value value) => Nodes.First(n => ReferenceEquals(n.Node, value));

    /// <summary>
    /// Parses <paramref name="text"/> ("(3*x + 4*y)^3", "z = (3*x + 4*y)^3", or statements such as
    /// "a = x*y; z = a*a + a"), evaluates it at <paramref name="at"/>, backpropagates and explains the gradients
    /// with respect to <paramref name="wrt"/> (every input when empty). Paths are listed up to <paramref name="pathLimit"/>
    /// of them and <paramref name="stepLimit"/> steps (edges, added up over the paths to one input); past either they are
    /// only counted. Memory and printed text grow with the steps, not only with the paths: a few long paths through a
    /// large formula cost as much as many short ones.
    /// </summary>
    /// <exception cref="ExpressionSyntaxException">The text does not parse; line and column point into <paramref name="text"/>.</exception>
    /// <exception cref="DomainException">An op is undefined at the point (log of a negative, division by zero).</exception>
    /// <exception cref="TeachingInputException">The point or --wrt does not match the program's inputs.</exception>
    public static ExpressionExplanation Create(string text, IReadOnlyDictionary<string, double> at, IReadOnlyCollection<string> wrt, int pathLimit = DefaultPathLimit,
        double stepLimit = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(wrt);
        var program = ExpressionParser.ParseProgram(text);
        var inputs = program.Inputs;
        string what = program.Statements.Count == 1 ? $"the formula {program.Output}" : "the program";
        string known = inputs.Count == 0 ? $"none ({(program.Statements.Count == 1 ? "the formula" : "the program")} is a constant)" : string.Join(", ", inputs);
        foreach (var name in at.Keys.Where(n => !inputs.Contains(n)).Order(StringComparer.Ordinal))
        {
            string defined = program.Statements.Any(s => s.Name == name) ? $" ('{name}' is computed by a statement, not an input)" : "";
            throw new TeachingInputException($"unknown variable '{name}' in --at: {what} has the inputs {known}{defined}");
        }

        var missing = inputs.Where(v => !at.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            throw new TeachingInputException($"--at gives no value for {string.Join(", ", missing)}: {what} needs a value for each of {known}");
        }

        foreach (var name in wrt.Where(n => !inputs.Contains(n)))
        {
            throw new TeachingInputException($"--wrt {name} names nothing in the graph of {what}: its inputs are {known}");
        }

        var graph = program.Build(at);
        var output = graph.Output;
        output.Backward();
        var order = output.TopologicalOrder();
        var names = new NodeNames(program, graph, order);
        var nodes = order.Select(v => Explain(v, names)).ToList();
        var byValue = new Dictionary<Value, ExplainedNode>(ReferenceEqualityComparer.Instance);
        nodes.ForEach(n => byValue.Add(n.Node, n));
        var backward = BackwardSteps(nodes, byValue);
        var asked = wrt.Count == 0 ? inputs : wrt.ToHashSet(StringComparer.Ordinal);
        var sums = nodes
            .Where(n => n.Kind == NodeKind.Variable && asked.Contains(n.Name))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => Paths(output, n, nodes, byValue, names, pathLimit, stepLimit))
            .ToList();
        return new ExpressionExplanation(program, output, nodes, backward, sums);
    }

    private static ExplainedNode Explain(Value node, NodeNames names)
    {
        var kind = node.IsLeaf ? node.Label is null ? NodeKind.Constant : NodeKind.Variable : NodeKind.Operation;
        var definition = node.IsLeaf ? names.Short(node) : NodeNotation.Write(node, names.Short, derived: false);
        return new ExplainedNode(node, names.Short(node).Text, kind, definition, names.Formula(node), names.IsNamed(node));
    }

    private static List<BackwardStep> BackwardSteps(List<ExplainedNode> nodes, Dictionary<Value, ExplainedNode> byValue)
    {
        var consumers = new Dictionary<Value, List<Contribution>>(ReferenceEqualityComparer.Instance);
        nodes.ForEach(n => consumers.Add(n.Node, []));
        foreach (var n in nodes)
        {
            string? kink = Ops.AtKink(n.Node) ? MathFunctions.Find(n.Node.Op)?.Kink : null;
            for (int i = 0; i < n.Node.Parents.Count; i++)
            {
                var local = LocalDerivative.Of(n.Node, i, v => Short(byValue[v]));
                consumers[n.Node.Parents[i]].Add(new Contribution(n, local, n.Node.LocalGrads[i], kink));
            }
        }

        return nodes.AsEnumerable().Reverse()
            .Where(n => n.Kind != NodeKind.Constant)
            .Select(n => new BackwardStep(n, consumers[n.Node]))
            .ToList();
    }

    private static Written Short(ExplainedNode n) =>
        n.Kind == NodeKind.Constant ? n.Formula : Written.Atom(n.Name, NodeNotation.LatexName(n.Name));

    private static PathSum Paths(Value output, ExplainedNode input, List<ExplainedNode> nodes, Dictionary<Value, ExplainedNode> byValue, NodeNames names, int limit, double stepLimit)
    {
        double count = GraphPaths.Count(output, input.Node);
        if (count > limit)
        {
            return new PathSum(input, count, null, []);
        }
        double steps = GraphPaths.TotalSteps(output, input.Node);
        if (steps > stepLimit)
        {
            return new PathSum(input, count, null, []) { Steps = steps };
        }

        var paths = GraphPaths.Enumerate(output, input.Node, limit)
            .Select(steps => new ExplainedPath(
                [byValue[output], .. steps.Select(s => byValue[s.Target])],
                [Term.Number(1), .. steps.Select(s => LocalDerivative.Of(s.Node, s.Input, names.Reference))],
                [1.0, .. steps.Select(s => s.Local)],
                [null, .. steps.Select(s => OperandRole(s.Node, s.Input))]))
            .ToList();
        var sum = new PathSum(input, count, paths, []);
        return sum with { Where = Definitions(sum.Symbolic!.Text, nodes.Where(n => names.IsNamedIntermediate(n.Node)).ToList()) };
    }

    /// <summary>The named intermediates a formula uses, directly or through each other's definitions, in forward order.</summary>
    private static List<ExplainedNode> Definitions(string formula, List<ExplainedNode> named)
    {
        var byName = named.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var needed = new HashSet<ExplainedNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>([formula]);
        while (pending.TryPop(out string? text))
        {
            foreach (var token in ExpressionLexer.Tokenize(text))
            {
                if (token.Kind == TokenKind.Identifier && byName.TryGetValue(token.Text, out var n) && needed.Add(n))
                {
                    pending.Push(n.Formula.Text);
                }
            }
        }

        return named.Where(needed.Contains).ToList();
    }

    /// <summary>Which use of its input a step takes, when the node uses that input more than once (x * x); else null.</summary>
    internal static string? OperandRole(Value node, int input)
    {
        var parents = node.Parents;
        if (!parents.Where((p, i) => i != input && ReferenceEquals(p, parents[input])).Any())
        {
            return null;
        }

        string[] roles = node.Op switch
        {
            "+" => ["left term", "right term"],
            "*" => ["left factor", "right factor"],
            "pow" => ["base", "exponent"],
            _ => ["first argument", "second argument"],
        };
        return input < roles.Length ? roles[input] : $"argument {input + 1}";
    }
}
