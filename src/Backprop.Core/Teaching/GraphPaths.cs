using Backprop.Core.Autodiff;

namespace Backprop.Core.Teaching;

/// <summary>One step of a path from the output down to an input: the node and which of its inputs the path enters.</summary>
public readonly record struct PathStep(Value Node, int Input)
{
    /// <summary>The node the step enters, Node.Parents[Input].</summary>
    public Value Target => Node.Parents[Input];

    /// <summary>d(Node)/d(Target) along this edge, as the engine computed it.</summary>
    public double Local => Node.LocalGrads[Input];
}

/// <summary>
/// The paths from the output of a graph down to one node. The chain rule says d(out)/d(node) is the sum,
/// over these paths, of the product of the local derivatives along each; <see cref="Value.Backward"/> gets
/// the same sum without listing the paths, by adding at every node where paths meet.
/// </summary>
public static class GraphPaths
{
    /// <summary>
    /// How many paths lead from <paramref name="output"/> to <paramref name="target"/>, counted without
    /// listing them (paths to a node = sum of paths to each node that uses it); saturates at double range.
    /// </summary>
    public static double Count(Value output, Value target)
    {
        var order = output.TopologicalOrder();
        var count = new Dictionary<Value, double>(ReferenceEqualityComparer.Instance) { [output] = 1 };
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            double here = count.GetValueOrDefault(node);
            foreach (var parent in node.Parents)
            {
                count[parent] = count.GetValueOrDefault(parent) + here;
            }
        }

        return count.GetValueOrDefault(target);
    }

    /// <summary>
    /// The steps of all paths from <paramref name="output"/> to <paramref name="target"/> added up, counted without listing
    /// them: along an edge from a node to one of its inputs, the input gains the node's paths and, for each, one step
    /// (steps(input) += steps(node) + paths(node)). What a listing of the paths costs in memory and in print is in
    /// proportion to this; saturates at double range.
    /// </summary>
    public static double TotalSteps(Value output, Value target)
    {
        var order = output.TopologicalOrder();
        var count = new Dictionary<Value, double>(ReferenceEqualityComparer.Instance) { [output] = 1 };
        var steps = new Dictionary<Value, double>(ReferenceEqualityComparer.Instance) { [output] = 0 };
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            double paths = count.GetValueOrDefault(node);
            double here = steps.GetValueOrDefault(node);
            foreach (var parent in node.Parents)
            {
                count[parent] = count.GetValueOrDefault(parent) + paths;
                steps[parent] = steps.GetValueOrDefault(parent) + here + paths;
            }
        }

        return steps.GetValueOrDefault(target);
    }

    /// <summary>
    /// Every path from <paramref name="output"/> to <paramref name="target"/>, output end first. Call
    /// <see cref="Count"/> first: the number of paths can grow exponentially with the depth of the graph.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<PathStep>> Enumerate(Value output, Value target, int limit)
    {
        double count = Count(output, target);
        if (count > limit)
        {
            throw new InvalidOperationException($"{count} paths exceed the limit of {limit}; summarise instead");
        }

        // Only nodes from which the target is reachable are worth entering.
        var reaches = new HashSet<Value>(ReferenceEqualityComparer.Instance) { target };
        foreach (var node in output.TopologicalOrder())
        {
            if (node.Parents.Any(reaches.Contains))
            {
                reaches.Add(node);
            }
        }

        var paths = new List<IReadOnlyList<PathStep>>();
        if (!reaches.Contains(output))
        {
            return paths;
        }

        // Depth-first with an explicit stack of partial paths, so a long chain cannot overflow the call stack.
        var stack = new Stack<(Value Node, List<PathStep> Steps)>();
        stack.Push((output, []));
        while (stack.Count > 0)
        {
            var (node, steps) = stack.Pop();
            if (ReferenceEquals(node, target))
            {
                paths.Add(steps);
                continue;
            }

            for (int i = node.Parents.Count - 1; i >= 0; i--)
            {
                if (reaches.Contains(node.Parents[i]))
                {
                    stack.Push((node.Parents[i], [.. steps, new PathStep(node, i)]));
                }
            }
        }

        return paths;
    }
}
