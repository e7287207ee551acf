namespace Backprop.Core.Autodiff;

/// <summary>One statement of a program: Name = Expression.</summary>
public sealed record Statement(string Name, Expr Expression)
{
    public string Name { get; } = VariableExpr.IsValidName(Name)
        ? Name
        : throw new ArgumentException($"'{Name}' cannot name a statement (letters, digits and _, not a function or constant name)", nameof(Name));

    public Expr Expression { get; } = Expression ?? throw new ArgumentNullException(nameof(Expression));

    public override string ToString() => $"{Name} = {Expression}";
}

/// <summary>
/// A small program: statements evaluated in order, each may use the inputs and the names of earlier statements,
/// and may bind a name again (c = c + c + 1 uses the previous c); the last statement is the output. A one-line
/// formula is a program of one statement. Names used before any statement defines them are the inputs.
/// </summary>
public sealed class ExprProgram
{
    public ExprProgram(IReadOnlyList<Statement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        if (statements.Count == 0)
        {
            throw new ArgumentException("a program needs at least one statement", nameof(statements));
        }

        var inputs = new SortedSet<string>(StringComparer.Ordinal);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in statements)
        {
            inputs.UnionWith(s.Expression.Variables().Where(v => !defined.Contains(v)));
            if (inputs.Contains(s.Name))
            {
                throw new ArgumentException($"'{s.Name}' is an input of the program (used before any statement defines it), so a statement cannot assign it", nameof(statements));
            }

            defined.Add(s.Name);
        }

        Statements = statements.ToList();
        Inputs = inputs;
    }

    public IReadOnlyList<Statement> Statements { get; }

    /// <summary>The names used before any statement defines them, in ordinal order: the values a point must give.</summary>
    public IReadOnlySet<string> Inputs { get; }

    /// <summary>The name of the last statement, whose value is the program's.</summary>
    public string OutputName => Statements[^1].Name;

    public Expr Output => Statements[^1].Expression;

    /// <summary>The value of the last statement, with the same forward rules as <see cref="Build"/>.</summary>
    /// <exception cref="UnknownVariableException">An input has no binding.</exception>
    public double Evaluate(IReadOnlyDictionary<string, double> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in Inputs)
        {
            values[name] = bindings.TryGetValue(name, out double x) ? x : throw new UnknownVariableException(name, bindings.Keys);
        }

        double last = 0;
        foreach (var s in Statements)
        {
            last = s.Expression.Evaluate(values);
            values[s.Name] = last;
        }

        return last;
    }

    /// <summary>
    /// Builds the graph: one <see cref="Value.Variable"/> per input, each statement's expression on the nodes of
    /// the names it uses.
    /// </summary>
    /// <exception cref="UnknownVariableException">An input has no binding.</exception>
    public ProgramGraph Build(IReadOnlyDictionary<string, double> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        var nodes = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var name in Inputs)
        {
            nodes[name] = bindings.TryGetValue(name, out double x) ? Value.Variable(name, x) : throw new UnknownVariableException(name, bindings.Keys);
        }

        var constants = new Dictionary<Value, string>(ReferenceEqualityComparer.Instance);
        var bound = new List<Value>();
        foreach (var s in Statements)
        {
            var node = s.Expression.BuildWith(name => nodes[name], constants.Add);
            nodes[s.Name] = node;
            bound.Add(node);
        }

        return new ProgramGraph(bound[^1], bound, constants);
    }

    /// <summary>The statements in canonical form, separated by "; ": text that parses back to an equal program.</summary>
    public override string ToString() => string.Join("; ", Statements);
}

/// <summary>
/// The graph of a program: its output node, the node each statement produced (in statement order, so
/// <c>Statements[i]</c> bound <c>Bound[i]</c>), and the leaves that are named constants with their names.
/// </summary>
public sealed record ProgramGraph(Value Output, IReadOnlyList<Value> Bound, IReadOnlyDictionary<Value, string> NamedConstants);
