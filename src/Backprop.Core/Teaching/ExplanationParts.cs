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
/// A node of the explained graph: its short name (x, u1, a statement's name, z), its definition in short names
/// (u3 = u1 + u2), its formula in the inputs and the program's named values (3 * x + 4 * y), and its forward
/// value and gradient. <see cref="Named"/> is true for a node a statement of the program named.
/// </summary>
public sealed record ExplainedNode(Value Node, string Name, NodeKind Kind, Written Definition, Written Formula, bool Named = false)
{
    public double Data => Node.Data;

    public double Grad => Node.Grad;
}

/// <summary>
/// What one consumer passes back to a node: d(out)/d(consumer) × d(consumer)/d(node). <see cref="Kink"/> says
/// how the local derivative was chosen when the consumer sits exactly on its kink (relu'(0) is taken as 0).
/// </summary>
public sealed record Contribution(ExplainedNode Consumer, Term Local, double LocalValue, string? Kink = null)
{
    public double Value => Consumer.Grad * LocalValue;
}

/// <summary>One line of the backward pass: d(out)/d(node), the sum of what its consumers pass back.</summary>
public sealed record BackwardStep(ExplainedNode Node, IReadOnlyList<Contribution> Contributions);

/// <summary>
/// One path from the output to an input: the local derivative of each step, symbolic and numeric. Where a
/// node uses the same input twice (x * x), <see cref="Roles"/> says which use the step takes ("left factor");
/// it is null elsewhere, and for the output at index 0.
/// </summary>
public sealed record ExplainedPath(IReadOnlyList<ExplainedNode> Nodes, IReadOnlyList<Term> Locals, IReadOnlyList<double> LocalValues, IReadOnlyList<string?> Roles)
{
    /// <summary>The product of the local derivatives, simplified: the path's symbolic contribution.</summary>
    public Term Product => Locals.Aggregate(Term.Number(1), (a, b) => a.Times(b));

    public double Value => LocalValues.Aggregate(1.0, (a, b) => a * b);
}

/// <summary>
/// d(out)/d(input) as a sum over paths. <see cref="Paths"/> is null when there are more than the limit;
/// <see cref="Symbolic"/> is then null too and only the count and the backprop value are known. The symbolic
/// sum is written with the program's named values; <see cref="Where"/> lists their definitions, in forward
/// order, so that "where-definitions; sum" is a program that evaluates to the gradient.
/// </summary>
public sealed record PathSum(ExplainedNode Input, double PathCount, IReadOnlyList<ExplainedPath>? Paths, IReadOnlyList<ExplainedNode> Where)
{
    /// <summary>
    /// The steps of all paths added up, when that is why they are not listed (they are few enough, but too long to list
    /// within the step limit); null otherwise.
    /// </summary>
    public double? Steps { get; init; }

    /// <summary>The sum of the paths' products, those that are 0 at the point (a relu that is off) left out; "0" if all are.</summary>
    public Written? Symbolic => Paths is null ? null : Term.Sum(Paths.Select(p => p.Product).Where(t => t.Coefficient != 0).Select(t => t.Write()));

    /// <summary>The sum of the path products (equals the input's gradient up to rounding), or NaN when not listed.</summary>
    public double Value => Paths is null ? double.NaN : Paths.Sum(p => p.Value);

    /// <summary>The definitions the symbolic sum uses, as statements: "a = x * y; b = a + x" (empty when none).</summary>
    public string WhereText => string.Join("; ", Where.Select(n => $"{n.Name} = {n.Formula.Text}"));
}
