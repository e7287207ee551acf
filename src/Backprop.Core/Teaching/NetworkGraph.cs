namespace Backprop.Core.Teaching;

/// <summary>
/// A network drawn as the worked example draws it: the forward view has inputs x_k and units a_j^[l] with their values
/// and the weights on the arrows; the backward view has dL/da at every unit and the local derivative
/// d a_j^[l] / d a_k^[l-1] = phi'(z_j^[l]) w_jk^[l] on each arrow, pointing back towards the inputs.
/// </summary>
internal static class NetworkGraph
{
    /// <summary>Beyond this many weights a drawing is unreadable and slow to lay out.</summary>
    public const int MaxEdges = 2000;

    public static string Dot(NetworkState s, double[] outputGradient, string output, double? loss)
    {
        int edges = s.Layers.Sum(l => l.InputSize * l.OutputSize);
        if (edges > MaxEdges)
        {
            throw new TeachingInputException($"the network has {edges} weights, too many to draw (drawing is limited to {MaxEdges}); leave out the drawing, the text explains it without one, or draw a smaller network");
        }

        // dL/da per layer, from the top: dL/da_k^[l-1] = sum_j dL/da_j^[l] phi'(z_j^[l]) w_jk^[l].
        var grads = new double[s.Depth + 1][];
        grads[s.Depth] = outputGradient;
        for (int l = s.Depth; l >= 1; l--)
        {
            var layer = s.Layers[l - 1];
            grads[l - 1] = new double[layer.InputSize];
            for (int k = 0; k < layer.InputSize; k++)
            {
                for (int j = 0; j < layer.OutputSize; j++)
                {
                    grads[l - 1][k] += grads[l][j] * s.EdgeValue(l, j, k);
                }
            }
        }

        var forwardNodes = new List<DotNode>();
        var backwardNodes = new List<DotNode>();
        var forwardEdges = new List<DotEdge>();
        var backwardEdges = new List<DotEdge>();
        for (int l = 0; l <= s.Depth; l++)
        {
            int width = l == 0 ? s.X.Length : s.Layers[l - 1].OutputSize;
            for (int j = 0; j < width; j++)
            {
                string id = $"l{l}u{j}";
                var a = s.Activation(l, j);
                string forward = l == 0 ? $"{a.Symbol.Text} = {Num(a.Value)}" : $"{a.Symbol.Text}\nz = {Num(s.Z[l - 1][j])}   a = {Num(a.Value)}";
                forwardNodes.Add(new DotNode(id, forward));
                backwardNodes.Add(new DotNode(id, $"{a.Symbol.Text}\nd{output}/d{a.Symbol.Text} = {Num(grads[l][j])}"));
                if (l == 0)
                {
                    continue;
                }

                for (int k = 0; k < s.Layers[l - 1].InputSize; k++)
                {
                    var w = s.Weight(l, j, k);
                    forwardEdges.Add(new DotEdge($"l{l - 1}u{k}", id, $"{w.Symbol.Text} = {Num(w.Value)}"));
                    backwardEdges.Add(new DotEdge(id, $"l{l - 1}u{k}", Num(s.EdgeValue(l, j, k))));
                }
            }
        }

        if (loss is { } j0)
        {
            forwardNodes.Add(new DotNode("loss", $"{output} = {Num(j0)}", Emphasis: true));
            backwardNodes.Add(new DotNode("loss", $"{output}\nd{output}/d{output} = 1", Emphasis: true));
            for (int c = 0; c < outputGradient.Length; c++)
            {
                forwardEdges.Add(new DotEdge($"l{s.Depth}u{c}", "loss"));
                backwardEdges.Add(new DotEdge("loss", $"l{s.Depth}u{c}", Num(outputGradient[c])));
            }
        }

        return DotGraph.Write("network",
            new DotView("forward: values (edges: weights)", forwardNodes, forwardEdges),
            new DotView("backward: gradients (edges: local derivatives phi'(z) w)", backwardNodes, backwardEdges));
    }

    private static string Num(double x) => NetworkState.Num(x);
}
