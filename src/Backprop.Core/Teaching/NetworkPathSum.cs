using Backprop.Core.Networks;

namespace Backprop.Core.Teaching;

/// <summary>One factor of a path product: its symbol (w11[2], tanh'(z1[1]), -2 (y - y_hat)) and its value.</summary>
public sealed record PathFactor(Written Symbol, double Value);

/// <summary>One path through the network, from the loss down to the parameter; Product multiplies every factor.</summary>
public sealed record NetworkPath(int OutputUnit, IReadOnlyList<PathFactor> Factors)
{
    public double Product => Factors.Aggregate(1.0, (p, f) => p * f.Value);
}

/// <summary>
/// dL/d(parameter) of a dense network as the worked example writes it: a sum over the paths from the parameter up to
/// the loss of products of weights (and, for nonlinear layers, activation slopes phi'(z)), evaluated and
/// checked against the dense engine's backprop. Small networks get every path; big ones a <see cref="PathSpread"/>.
/// </summary>
public sealed class NetworkPathSum
{
    private readonly NetworkState _state;
    private readonly double[] _outputGradient;

    private NetworkPathSum(NetworkState state, double[] outputGradient, NetworkParameter wrt, string output, double pathCount, IReadOnlyList<NetworkPath>? paths,
        IReadOnlyList<PathFactor> start, IReadOnlyList<PathFactor> lossFactors, double backprop, double? loss, PathSpread? spread)
    {
        _state = state;
        _outputGradient = outputGradient;
        Wrt = wrt;
        Output = output;
        PathCount = pathCount;
        Paths = paths;
        Start = start;
        LossFactors = lossFactors;
        Backprop = backprop;
        Loss = loss;
        Spread = spread;
    }

    public NetworkParameter Wrt { get; }

    /// <summary>What is differentiated: "L" for a loss, "y_hat" for the output when no targets were given.</summary>
    public string Output { get; }

    public double PathCount { get; }

    /// <summary>Every path, when there are at most the limit; else null (see <see cref="Spread"/>).</summary>
    public IReadOnlyList<NetworkPath>? Paths { get; }

    /// <summary>Factors every path shares at the parameter's end: phi'(z_j^[l]) and a_k^[l-1] for a weight.</summary>
    public IReadOnlyList<PathFactor> Start { get; }

    /// <summary>dL/da_c^[L] for each output unit c (the worked example's -2(y - y_hat)); 1 for y_hat itself.</summary>
    public IReadOnlyList<PathFactor> LossFactors { get; }

    /// <summary>The dense engine's gradient, the reference the path sum must equal.</summary>
    public double Backprop { get; }

    /// <summary>The loss of the example, or null when the output itself is differentiated.</summary>
    public double? Loss { get; }

    public PathSpread? Spread { get; }

    /// <summary>The sum of all path products (NaN when the paths were not listed).</summary>
    public double Value => Paths is null ? double.NaN : Paths.Sum(p => p.Product);

    /// <summary>
    /// The backward pass of this example unit by unit (<see cref="NetworkBackward"/>): the steps whose values backprop
    /// computes, of which d(output)/d(<see cref="Wrt"/>) is one.
    /// </summary>
    public IReadOnlyList<NetworkBackwardStep> Backward() => NetworkBackward.Steps(_state, Output, LossFactors);

    /// <summary>The network's graph for this example, forward and backward views, as Graphviz DOT.</summary>
    /// <exception cref="TeachingInputException">The network is too big to draw.</exception>
    public string Dot() => NetworkGraph.Dot(_state, _outputGradient, Output, Loss);

    /// <summary>
    /// The path sum grouped as the worked example writes it: the loss factor of each output unit times the sum of its
    /// paths' weight products, times the factors shared at the start, e.g. -2 (y - y_hat) (w11[2] w12[1] + w12[2] w22[1]).
    /// </summary>
    public Written? Symbolic()
    {
        if (Paths is null)
        {
            return null;
        }

        var byOutput = Paths.GroupBy(p => p.OutputUnit).Select(g =>
        {
            var inner = Term.Sum(g.Select(p => Product(p.Factors.Skip(1).SkipLast(Start.Count))));
            var parts = new List<Written> { g.First().Factors[0].Symbol, inner };
            return Juxtapose(parts.Where(w => w.Text != "1"));
        });
        var sum = Term.Sum(byOutput);
        return Juxtapose(new[] { sum }.Concat(Start.Select(f => f.Symbol)).Where(w => w.Text != "1"));
    }

    /// <summary>Explains dL/d(<paramref name="wrt"/>) for one example x (targets y, or null to differentiate y_hat_1).</summary>
    public static NetworkPathSum Create(Mlp network, Loss loss, double[] x, double[]? y, NetworkParameter wrt, int limit)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        var state = NetworkState.Capture(network, x);
        int outputs = network.OutputSize;
        var g = new double[outputs];
        double? j = null;
        if (y is null)
        {
            g[0] = 1; // d y_hat_1 / d y_hat_1
        }
        else
        {
            j = loss.Compute(state.A[^1], y, 1, outputs, g);
        }

        network.Forward(x, 1);
        network.Backward(g);
        double backprop = wrt.Kind switch
        {
            ParameterKind.Input => network.InputGradient[wrt.Unit - 1],
            ParameterKind.Weight => network.Layers[wrt.Layer - 1].WeightGradient[((wrt.Unit - 1) * network.Layers[wrt.Layer - 1].InputSize) + wrt.From - 1],
            _ => network.Layers[wrt.Layer - 1].BiasGradient[wrt.Unit - 1],
        };

        var lossFactors = Enumerable.Range(0, outputs).Select(c => LossFactor(loss, y, state, c, g[c])).ToList();
        var start = StartFactors(state, wrt);
        int from = wrt.Kind == ParameterKind.Input ? 0 : wrt.Layer;
        var reached = y is null ? [0] : Enumerable.Range(0, outputs).ToArray();
        double count = reached.Length;
        for (int l = from + 1; l < network.Depth; l++)
        {
            count *= network.Layers[l - 1].OutputSize;
        }

        string output = y is null ? "y_hat" : "L";
        if (from == network.Depth)
        {
            count = 1; // a weight into an output unit: one path, through that unit
        }

        if (count > limit)
        {
            return new NetworkPathSum(state, g, wrt, output, count, null, start, lossFactors, backprop, j, PathSpread.Measure(state, from, wrt.Unit - 1));
        }

        var paths = Enumerate(state, from, wrt.Unit - 1, reached, lossFactors, start);
        return new NetworkPathSum(state, g, wrt, output, paths.Count, paths, start, lossFactors, backprop, j, null);
    }

    private static List<NetworkPath> Enumerate(NetworkState s, int from, int unit, int[] outputs, List<PathFactor> lossFactors, List<PathFactor> start)
    {
        // Partial paths from the parameter's unit up to layer l, as (unit reached, factors top-first).
        var partial = new List<(int Unit, List<PathFactor> Factors)> { (unit, []) };
        for (int l = from + 1; l <= s.Depth; l++)
        {
            var next = new List<(int, List<PathFactor>)>();
            int width = s.Layers[l - 1].OutputSize;
            foreach (var (k, factors) in partial)
            {
                for (int j = 0; j < width; j++)
                {
                    if (l == s.Depth && !outputs.Contains(j))
                    {
                        continue;
                    }

                    next.Add((j, [.. s.EdgeFactors(l, j, k), .. factors]));
                }
            }

            partial = next;
        }

        return partial
            .Where(p => outputs.Contains(p.Unit))
            .Select(p => new NetworkPath(p.Unit + 1, [lossFactors[p.Unit], .. p.Factors, .. start]))
            .ToList();
    }

    private static List<PathFactor> StartFactors(NetworkState s, NetworkParameter wrt)
    {
        if (wrt.Kind == ParameterKind.Input)
        {
            return [];
        }

        var factors = s.Slope(wrt.Layer, wrt.Unit - 1) is { } slope ? new List<PathFactor> { slope } : [];
        if (wrt.Kind == ParameterKind.Weight)
        {
            factors.Add(s.Activation(wrt.Layer - 1, wrt.From - 1));
        }

        return factors;
    }

    private static PathFactor LossFactor(Loss loss, double[]? y, NetworkState s, int c, double value)
    {
        if (y is null)
        {
            return new PathFactor(Written.Number(1), value);
        }

        string i = s.Layers[^1].OutputSize == 1 ? "" : $"{c + 1}";
        string li = i.Length == 0 ? "" : $"_{{{i}}}";
        return loss.Name == "mse"
            ? new PathFactor(new Written($"-2(y{i} - y_hat{i})", $"-2\\left(y{li} - \\hat{{y}}{li}\\right)", Binding.Product), value)
            : new PathFactor(new Written($"(p{i} - y{i})", $"\\left(p{li} - y{li}\\right)", Binding.Atom), value);
    }

    private static Written Product(IEnumerable<PathFactor> factors) => Juxtapose(factors.Select(f => f.Symbol));

    // -2(y - y_hat)(w11[2] w12[1] + ...): no space between a closing and an opening parenthesis.
    private static string JoinText(List<Written> parts) =>
        parts.Skip(1).Aggregate(parts[0].Text, (acc, p) => acc + (acc.EndsWith(')') && p.Text.StartsWith('(') ? "" : " ") + p.Text);

    // The worked example writes products of weights side by side, w11[2] w12[1]; sums inside a product get parentheses.
    private static Written Juxtapose(IEnumerable<Written> parts)
    {
        var all = parts.ToList();
        var list = all.Select(p => p.AtLeast(Binding.Product)).ToList();
        return list.Count switch
        {
            0 => Written.Number(1),
            1 => all[0],
            _ => new Written(JoinText(list), string.Join(" \\, ", list.Select(p => p.Latex)), Binding.Product),
        };
    }
}
