using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>
/// Names the nodes of a program's graph, each name used once so every printed line can be read back: inputs by
/// their names, the nodes statements produced by the statement's name (the output by the output's name), other
/// ops u1, u2, ... skipping every name the program uses. A name bound to several nodes (c = x + 1; c = c * c)
/// keeps its own name for the last one and gives the earlier ones c_1, c_2, ..., as in SSA form.
/// </summary>
internal sealed class NodeNames
{
    private readonly Dictionary<Value, string> _names = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Value> _named = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Value, Written> _short = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Value, Written> _formula = new(ReferenceEqualityComparer.Instance);
    private readonly Value _output;

    public NodeNames(ExprProgram program, ProgramGraph graph, IReadOnlyList<Value> order)
    {
        _output = graph.Output;
        var inGraph = order.ToHashSet(ReferenceEqualityComparer.Instance);
        var used = new HashSet<string>(program.Inputs, StringComparer.Ordinal);
        used.UnionWith(program.Statements.Select(s => s.Name));
        used.UnionWith(MathFunctions.Constants.Keys);

        // Each op node a statement produced, under the first name bound to it; the output under the output's name.
        var byName = new Dictionary<string, List<Value>>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Bound.Count; i++)
        {
            var node = graph.Bound[i];
            bool output = ReferenceEquals(node, _output);
            if (node.IsLeaf || !inGraph.Contains(node) || (_named.Contains(node) && !output))
            {
                continue;
            }

            if (output)
            {
                foreach (var list in byName.Values)
                {
                    list.Remove(node);
                }
            }

            string name = output ? program.OutputName : program.Statements[i].Name;
            _named.Add(node);
            (byName.TryGetValue(name, out var nodes) ? nodes : byName[name] = []).Add(node);
        }

        foreach (var (name, nodes) in byName)
        {
            for (int k = 0; k < nodes.Count; k++)
            {
                _names[nodes[k]] = k == nodes.Count - 1 ? name : $"{name}_{Fresh(used, name + "_", k + 1)}";
            }
        }

        int next = 0;
        foreach (var node in order)
        {
            if (node.IsLeaf)
            {
                _short[node] = node.Label is { } label ? Written.Atom(label, NodeNotation.LatexName(label))
                    : graph.NamedConstants.TryGetValue(node, out string? constant) ? Written.Atom(constant, constant == "pi" ? "\\pi" : constant)
                    : Written.Number(node.Data);
                _formula[node] = _short[node];
                continue;
            }

            if (!_names.TryGetValue(node, out string? name))
            {
                next = Fresh(used, "u", next + 1);
                _names[node] = name = "u" + next;
            }

            _short[node] = Written.Atom(name, NodeNotation.LatexName(name));
            _formula[node] = NodeNotation.Write(node, Reference, opaque: IsNamedIntermediate);
        }
    }

    /// <summary>The node's name as its consumers' definitions write it: x, u1, pi, or a number.</summary>
    public Written Short(Value node) => _short[node];

    /// <summary>The node's formula in the inputs and the named intermediates (for a named node, its definition in those).</summary>
    public Written Formula(Value node) => _formula[node];

    /// <summary>The node as a formula that uses it writes it: a named intermediate by its name, anything else in full.</summary>
    public Written Reference(Value node) => IsNamedIntermediate(node) ? _short[node] : _formula[node];

    /// <summary>Whether a statement named the node.</summary>
    public bool IsNamed(Value node) => _named.Contains(node);

    /// <summary>A node a statement named, other than the output: formulas write it by name.</summary>
    public bool IsNamedIntermediate(Value node) => _named.Contains(node) && !ReferenceEquals(node, _output);

    // The first k from the given one up for which stem + k is not taken (u1, c_1); marks it taken.
    private static int Fresh(HashSet<string> used, string stem, int k)
    {
        while (!used.Add(stem + k))
        {
            k++;
        }

        return k;
    }
}
