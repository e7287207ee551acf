using Backprop.Core.Autodiff;
using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Web.Explain;

/// <summary>Something the loss can be differentiated with respect to: x2, w12[1], b1[2], with its value.</summary>
public sealed record NetworkChoice(string Name, string Kind, int Layer, double Value);

/// <summary>One factor of a path product (w12[1], tanh'(z1[1]), -2(y - y_hat)) and its value.</summary>
public sealed record NetworkFactor(string Symbol, double Value);

/// <summary>
/// One path from the loss down to the parameter. <see cref="Units"/> names the units it passes, input end first, as the
/// DOT names them (l0u1 is x2; a weight's path starts at the unit the weight feeds); <see cref="Edges"/> the arrows.
/// </summary>
public sealed record NetworkPathView(IReadOnlyList<string> Units, IReadOnlyList<string> Edges, IReadOnlyList<NetworkFactor> Factors, double Product);

/// <summary>
/// The explain page's view of dL/d(parameter) for one example of a shipped network: the path sum of
/// <see cref="NetworkPathSum"/> (what <c>lab explain --net --wrt</c> prints) with the DOT it draws, the dense engine's
/// backprop value and a central finite difference of the loss; and the backward pass unit by unit (<see cref="Steps"/>),
/// the lines <c>lab explain --net</c> prints.
/// </summary>
public sealed record NetworkView(string Name, string Title, string? Source, string Description, int Example, int Examples,
    IReadOnlyList<double> X, IReadOnlyList<double>? Y, string Output, double? Loss, string Dot, IReadOnlyList<NetworkChoice> Choices,
    string Wrt, double PathCount, IReadOnlyList<NetworkPathView>? Paths, string? Symbolic, double Value, double Backprop, double FiniteDifference,
    IReadOnlyList<NetworkStepView> Steps)
{
    /// <summary>Explains d(loss)/d(<paramref name="wrt"/>) (the network's default when null) for example <paramref name="example"/> (1-based).</summary>
    /// <exception cref="ExplainInputException">The parameter names nothing in the network, the example does not exist, or the network is too big to draw.</exception>
    public static NetworkView Of(ShippedNetwork shipped, string? wrt, int example)
    {
        ArgumentNullException.ThrowIfNull(shipped);
        var (definition, batch) = ShippedNetworks.Load(shipped);
        Mlp network = definition.Build();
        int weights = network.Layers.Sum(l => l.InputSize * l.OutputSize);
        if (weights > ExplainLimits.MaxNetworkWeights)
        {
            throw new ExplainInputException($"{shipped.Name} has {weights} weights; the explain page draws at most {ExplainLimits.MaxNetworkWeights}");
        }
        if (example < 1 || example > batch.Count)
        {
            throw new ExplainInputException($"example must be between 1 and {batch.Count} ({shipped.DataFile} has {batch.Count}), got {example}");
        }

        double[] x = batch.Inputs.AsSpan((example - 1) * batch.InputSize, batch.InputSize).ToArray();
        double[] y = batch.Targets.AsSpan((example - 1) * batch.TargetSize, batch.TargetSize).ToArray();
        string name = wrt ?? shipped.DefaultWrt;
        var parameter = ExplainInputException.Guard(null, () => NetworkParameter.Parse(name, network));
        var choices = ChoicesOf(network, x);
        var sum = NetworkPathSum.Create(network, definition.Loss, x, y, parameter, ExplainLimits.MaxPaths);
        string dot = sum.Dot();
        var paths = sum.Paths is null ? null : Routes(network, parameter).Zip(sum.Paths, (route, path) => new NetworkPathView(
            route.Units, route.Edges, path.Factors.Select(f => new NetworkFactor(f.Symbol.Text, f.Value)).ToList(), path.Product)).ToList();
        double fd = Core.Autodiff.FiniteDifference.Central(v => LossAt(network, definition.Loss, x, y, parameter, v), Get(network, x, parameter));
        return new NetworkView(shipped.Name, shipped.Title, shipped.Source, Describe(network, definition.Loss), example, batch.Count, x, y,
            sum.Output, sum.Loss, dot, choices, parameter.Text, sum.PathCount, paths, sum.Symbolic()?.Text, sum.Value, sum.Backprop, fd, NetworkStepView.Of(sum));
    }

    private static string Describe(Mlp network, Loss loss) =>
        $"{network.InputSize} inputs -> {string.Join(" -> ", network.Layers.Select(l => $"{l.OutputSize} ({l.Activation})"))}, loss {loss}";

    private static List<NetworkChoice> ChoicesOf(Mlp network, double[] x)
    {
        var list = x.Select((v, k) => new NetworkChoice($"x{k + 1}", "input", 0, v)).ToList();
        for (int l = 1; l <= network.Depth; l++)
        {
            var layer = network.Layers[l - 1];
            for (int j = 0; j < layer.OutputSize; j++)
            {
                for (int k = 0; k < layer.InputSize; k++)
                {
                    list.Add(new NetworkChoice(NetworkParameter.WeightText(j + 1, k + 1, l), "weight", l, layer[j, k]));
                }
            }
            for (int j = 0; j < layer.OutputSize; j++)
            {
                list.Add(new NetworkChoice($"b{j + 1}[{l}]", "bias", l, layer.Biases[j]));
            }
        }
        return list;
    }

    /// <summary>
    /// The units of every path, in the order <see cref="NetworkPathSum"/> lists them: the unit the parameter feeds, then one
    /// unit per layer above, the first layer's unit varying slowest; every output unit (a loss over all of them).
    /// </summary>
    private static IEnumerable<(List<string> Units, List<string> Edges)> Routes(Mlp network, NetworkParameter p)
    {
        int from = p.Kind == ParameterKind.Input ? 0 : p.Layer;
        var partial = new List<List<int>> { new() { p.Unit - 1 } };
        for (int l = from + 1; l <= network.Depth; l++)
        {
            int width = network.Layers[l - 1].OutputSize;
            partial = partial.SelectMany(units => Enumerable.Range(0, width).Select(j => new List<int>(units) { j })).ToList();
        }

        foreach (var units in partial)
        {
            var names = units.Select((u, i) => $"l{from + i}u{u}").ToList();
            var edges = names.Zip(names.Skip(1), (a, b) => $"{a}->{b}").ToList();
            if (p.Kind == ParameterKind.Weight)
            {
                string below = $"l{p.Layer - 1}u{p.From - 1}";
                edges.Insert(0, $"{below}->{names[0]}");
                names.Insert(0, below);
            }
            edges.Add($"{names[^1]}->loss");
            names.Add("loss");
            yield return (names, edges);
        }
    }

    private static double Get(Mlp network, double[] x, NetworkParameter p) => p.Kind switch
    {
        ParameterKind.Input => x[p.Unit - 1],
        ParameterKind.Weight => network.Layers[p.Layer - 1][p.Unit - 1, p.From - 1],
        _ => network.Layers[p.Layer - 1].Biases[p.Unit - 1],
    };

    /// <summary>The loss with the parameter set to <paramref name="value"/>, on a copy, so the network explained is untouched.</summary>
    private static double LossAt(Mlp network, Loss loss, double[] x, double[] y, NetworkParameter p, double value)
    {
        Mlp copy = network.Clone();
        double[] input = (double[])x.Clone();
        switch (p.Kind)
        {
            case ParameterKind.Input:
                input[p.Unit - 1] = value;
                break;
            case ParameterKind.Weight:
                copy.Layers[p.Layer - 1][p.Unit - 1, p.From - 1] = value;
                break;
            default:
                copy.Layers[p.Layer - 1].Biases[p.Unit - 1] = value;
                break;
        }
        return copy.ComputeLoss(input, y, 1, loss);
    }
}
