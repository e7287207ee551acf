using System.Globalization;

namespace Backprop.Core.Teaching;

/// <summary>
/// The graph of an explained formula as two DOT views: forward (each node with its op and value, arrows from
/// inputs to the ops that use them) and backward (each node with its gradient, arrows from each op back to
/// its inputs labelled with the local derivative), as micrograd draws them and as the worked example's figures show.
/// </summary>
public static class ExpressionGraph
{
    public static string Dot(ExpressionExplanation e)
    {
        var ids = new Dictionary<ExplainedNode, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < e.Nodes.Count; i++)
        {
            ids[e.Nodes[i]] = $"n{i}";
        }

        var forwardNodes = e.Nodes.Select(n => new DotNode(ids[n], ForwardLabel(n), ReferenceEquals(n.Node, e.Output))).ToList();
        var forwardEdges = new List<DotEdge>();
        var backwardEdges = new List<DotEdge>();
        foreach (var step in e.Backward)
        {
            foreach (var c in step.Contributions)
            {
                string local = $"d{c.Consumer.Name}/d{step.Node.Name} = {Num(c.LocalValue)}";
                backwardEdges.Add(new DotEdge(ids[c.Consumer], ids[step.Node], local));
            }
        }

        foreach (var n in e.Nodes)
        {
            foreach (var parent in n.Node.Parents.Distinct(ReferenceEqualityComparer.Instance))
            {
                forwardEdges.Add(new DotEdge(ids[e.Nodes.First(m => ReferenceEquals(m.Node, parent))], ids[n]));
            }
        }

        var backwardNodes = e.Nodes
            .Where(n => n.Kind != NodeKind.Constant)
            .Select(n => new DotNode(ids[n], $"{n.Name}\ngrad d{e.OutputName}/d{n.Name} = {Num(n.Grad)}", ReferenceEquals(n.Node, e.Output)))
            .ToList();
        return DotGraph.Write(
            e.Program.ToString(),
            new DotView("forward: values", forwardNodes, forwardEdges),
            new DotView("backward: gradients (edges: local derivatives)", backwardNodes, backwardEdges));
    }

    private static string ForwardLabel(ExplainedNode n) => n.Kind switch
    {
        NodeKind.Constant => n.Name,
        NodeKind.Variable => $"{n.Name}\ndata {Num(n.Data)}",
        _ => $"{n.Name} = {n.Definition.Text}\nop {n.Node.Op}   data {Num(n.Data)}",
    };

    private static string Num(double x) => x.ToString("G8", CultureInfo.InvariantCulture);
}
