namespace Backprop.Core.Autodiff;

/// <summary>
/// A parsed formula: an immutable syntax tree with structural equality. It can be printed back in a
/// canonical form that re-parses to an equal tree, evaluated on doubles, or built into a <see cref="Value"/>
/// graph for backprop. Trees from <see cref="ExpressionParser"/> are bounded in height, so the recursive
/// walks below cannot overflow the stack.
/// </summary>
public abstract record Expr
{
    /// <summary>Longest path from this node to a leaf, counting both ends (a leaf has height 1).</summary>
    internal abstract int Height { get; }

    /// <summary>The distinct variable names, in ordinal order.</summary>
    public IReadOnlySet<string> Variables()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        Collect(this, names);
        return names;

        static void Collect(Expr e, SortedSet<string> names)
        {
            switch (e)
            {
                case VariableExpr v: names.Add(v.Name); break;
                case NegateExpr n: Collect(n.Operand, names); break;
                case BinaryExpr b: Collect(b.Left, names); Collect(b.Right, names); break;
                case PowerExpr p: Collect(p.Base, names); break;
                case CallExpr c:
                    foreach (var a in c.Arguments)
                    {
                        Collect(a, names);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// The value of the formula at a point. Uses the same forward rules as the graph, so it equals
    /// <c>Build(bindings).Data</c> exactly, and throws the same <see cref="DomainException"/>s.
    /// </summary>
    /// <exception cref="UnknownVariableException">A variable has no binding.</exception>
    public double Evaluate(IReadOnlyDictionary<string, double> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        return Eval(this);

        double Eval(Expr e) => e switch
        {
            NumberExpr n => n.Number,
            ConstantExpr c => c.Number,
            VariableExpr v => bindings.TryGetValue(v.Name, out var x) ? x : throw new UnknownVariableException(v.Name, bindings.Keys),
            NegateExpr n => Ops.Neg(Eval(n.Operand)),
            BinaryExpr b => b.Operator switch
            {
                BinaryOperator.Add => Ops.AddStep(Eval(b.Left), Eval(b.Right)).Y,
                BinaryOperator.Subtract => Ops.Sub(Eval(b.Left), Eval(b.Right)),
                BinaryOperator.Multiply => Ops.MulStep(Eval(b.Left), Eval(b.Right)).Y,
                BinaryOperator.Divide => Ops.Div(Eval(b.Left), Eval(b.Right)),
                BinaryOperator.Power => Ops.VariablePowStep(Eval(b.Left), Eval(b.Right)).Y,
                _ => throw new InvalidOperationException($"unknown operator {b.Operator}"),
            },
            PowerExpr p => Ops.PowStep(Eval(p.Base), p.Exponent).Y,
            CallExpr c => MathFunctions.Get(c.Function).Evaluate(c.Arguments.Select(Eval).ToArray()),
            _ => throw new InvalidOperationException($"unknown expression node {e.GetType().Name}"),
        };
    }

    /// <summary>
    /// Builds the computational graph with the given nodes as the variables, so the caller can read their
    /// <see cref="Value.Grad"/> after <see cref="Value.Backward"/>. A variable used twice is the same node
    /// with two consumers. Numbers become <see cref="Value.Constant"/> leaves.
    /// </summary>
    /// <exception cref="UnknownVariableException">A variable has no binding.</exception>
    public Value Build(IReadOnlyDictionary<string, Value> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        return BuildWith(name => bindings.TryGetValue(name, out var v) ? v : throw new UnknownVariableException(name, bindings.Keys));
    }

    /// <summary>
    /// Builds the computational graph with one new <see cref="Value.Variable"/> per distinct variable
    /// (labelled with its name, reachable through <see cref="Value.TopologicalOrder"/>).
    /// </summary>
    /// <exception cref="UnknownVariableException">A variable has no binding.</exception>
    public Value Build(IReadOnlyDictionary<string, double> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        var nodes = new Dictionary<string, Value>(StringComparer.Ordinal);
        return BuildWith(name =>
        {
            if (!nodes.TryGetValue(name, out var node))
            {
                node = bindings.TryGetValue(name, out var x)
                    ? Value.Variable(name, x)
                    : throw new UnknownVariableException(name, bindings.Keys);
                nodes.Add(name, node);
            }

            return node;
        });
    }

    /// <summary>The canonical form: minimal parentheses, single spaces around + - * /, invariant numbers.</summary>
    public sealed override string ToString() => ExprPrinter.Print(this);

    /// <summary>
    /// Builds the graph with <paramref name="variable"/> giving the node of each name; each named constant
    /// (pi, e) becomes its own <see cref="Value.Constant"/> leaf, reported to <paramref name="namedConstant"/>
    /// so a caller can write it by name.
    /// </summary>
    internal Value BuildWith(Func<string, Value> variable, Action<Value, string>? namedConstant = null)
    {
        return Make(this);

        Value Make(Expr e) => e switch
        {
            NumberExpr n => Value.Constant(n.Number),
            ConstantExpr c => Named(c),
            VariableExpr v => variable(v.Name),
            NegateExpr n => Ops.Neg(Make(n.Operand)),
            BinaryExpr b => b.Operator switch
            {
                BinaryOperator.Add => Ops.Add(Make(b.Left), Make(b.Right)),
                BinaryOperator.Subtract => Ops.Sub(Make(b.Left), Make(b.Right)),
                BinaryOperator.Multiply => Ops.Mul(Make(b.Left), Make(b.Right)),
                BinaryOperator.Divide => Ops.Div(Make(b.Left), Make(b.Right)),
                BinaryOperator.Power => Ops.Pow(Make(b.Left), Make(b.Right)),
                _ => throw new InvalidOperationException($"unknown operator {b.Operator}"),
            },
            PowerExpr p => Ops.Pow(Make(p.Base), p.Exponent),
            CallExpr c => MathFunctions.Get(c.Function).Build(c.Arguments.Select(Make).ToArray()),
            _ => throw new InvalidOperationException($"unknown expression node {e.GetType().Name}"),
        };

        Value Named(ConstantExpr c)
        {
            var node = Value.Constant(c.Number);
            namedConstant?.Invoke(node, c.Name);
            return node;
        }
    }
}
