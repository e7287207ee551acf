namespace Backprop.Core.Autodiff;

/// <summary>
/// A node of a scalar computational graph: its forward value, the gradient of the last
/// <see cref="Backward"/> output with respect to it, and the local derivatives d(this)/d(parent) that the
/// op computed on the forward pass. Build nodes with <see cref="Constant"/>, <see cref="Variable"/>,
/// the operators below, or <see cref="Ops"/>; the derivative rules live only in <see cref="Ops"/>.
/// </summary>
public sealed class Value
{
    private readonly Value[] _parents;
    private readonly double[] _localGrads;

    internal Value(double data, string op, Value[] parents, double[] localGrads, string? label)
    {
        // Invariant the backward loop relies on: one local derivative per parent, same order.
        if (parents.Length != localGrads.Length)
        {
            throw new ArgumentException("each parent needs exactly one local derivative", nameof(localGrads));
        }

        Data = data;
        Op = op;
        _parents = parents;
        _localGrads = localGrads;
        Label = label;
    }

    /// <summary>The forward value.</summary>
    public double Data { get; }

    /// <summary>d(output)/d(this) after <see cref="Backward"/> on some output; settable for teaching.</summary>
    public double Grad { get; set; }

    /// <summary>The inputs of the op that produced this node (empty for leaves). A parent may repeat, as in x*x.</summary>
    public IReadOnlyList<Value> Parents => _parents;

    /// <summary>d(this)/d(Parents[i]) evaluated at the forward values, in the order of <see cref="Parents"/>.</summary>
    public IReadOnlyList<double> LocalGrads => _localGrads;

    /// <summary>
    /// "" for leaves; otherwise "+", "*", "^3" (pow with its constant exponent), "pow" (a variable exponent), "exp",
    /// "log", "tanh", "sigmoid", "sin", "cos", or the kinked "relu", "abs", "max", "min".
    /// </summary>
    public string Op { get; }

    /// <summary>The variable name, or null for constants and computed nodes.</summary>
    public string? Label { get; }

    /// <summary>True for constants and variables: nodes no op produced.</summary>
    public bool IsLeaf => _parents.Length == 0;

    /// <summary>A leaf with no name: a number that appears in a formula.</summary>
    public static Value Constant(double data) => new(data, "", [], [], null);

    /// <summary>A named leaf: an input whose gradient the reader wants.</summary>
    public static Value Variable(string name, double data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Value(data, "", [], [], name);
    }

    public static Value operator +(Value a, Value b) => Ops.Add(a, b);
    public static Value operator +(Value a, double b) => Ops.Add(a, Constant(b));
    public static Value operator +(double a, Value b) => Ops.Add(Constant(a), b);
    public static Value operator -(Value a, Value b) => Ops.Sub(a, b);
    public static Value operator -(Value a, double b) => Ops.Sub(a, Constant(b));
    public static Value operator -(double a, Value b) => Ops.Sub(Constant(a), b);
    public static Value operator *(Value a, Value b) => Ops.Mul(a, b);
    public static Value operator *(Value a, double b) => Ops.Mul(a, Constant(b));
    public static Value operator *(double a, Value b) => Ops.Mul(Constant(a), b);
    public static Value operator /(Value a, Value b) => Ops.Div(a, b);
    public static Value operator /(Value a, double b) => Ops.Div(a, Constant(b));
    public static Value operator /(double a, Value b) => Ops.Div(Constant(a), b);
    public static Value operator -(Value a) => Ops.Neg(a);

    /// <summary>
    /// Every node this one depends on, each once, inputs first and this node last: the order of the forward
    /// pass. Iterative depth-first search with an explicit stack, so a million-node chain cannot overflow
    /// the call stack.
    /// </summary>
    public IReadOnlyList<Value> TopologicalOrder()
    {
        var order = new List<Value>();
        var visited = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        // Each frame is a node and the index of the next parent to visit; a node is emitted after all its
        // parents (post-order), which is exactly "inputs before the ops that use them".
        var stack = new Stack<(Value Node, int NextParent)>();
        visited.Add(this);
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                var parent = node._parents[next];
                if (visited.Add(parent))
                {
                    stack.Push((parent, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }

        return order;
    }

    /// <summary>
    /// Reverse-mode differentiation: sets <see cref="Grad"/> of every node in the graph to d(this)/d(node).
    /// Grads are reset to 0 first, so calling it twice gives the same answer. Each node passes
    /// grad * local derivative to each parent with +=, so a node with several consumers receives the sum
    /// of the contributions along every path (the multivariable chain rule).
    /// </summary>
    public void Backward()
    {
        var order = TopologicalOrder();
        foreach (var node in order)
        {
            node.Grad = 0;
        }

        Grad = 1;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            for (int p = 0; p < node._parents.Length; p++)
            {
                node._parents[p].Grad += node._localGrads[p] * node.Grad;
            }
        }
    }

    public override string ToString() =>
        $"Value({(Label is null ? "" : Label + ", ")}data={NumberText.Format(Data)}, grad={NumberText.Format(Grad)}{(IsLeaf ? "" : ", op=" + Op)})";
}
