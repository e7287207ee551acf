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

    /// <summary>Whether the network has residual blocks, whose skips add paths.</summary>
    public bool Residual => _state.Residual;

    /// <summary>The sum of all path products (NaN when the paths were not listed).</summary>
    public double Value => Paths is null ? double.NaN : Paths.Sum(p => p.Product);

    /// <summary>
    /// The backward pass of this example unit by unit (<see cref="NetworkBackward"/>): the steps whose values backprop
    /// computes, of which d(output)/d(<see cref="Wrt"/>) is one.
    /// </summary>
    /// <exception cref="TeachingInputException">The network is residual (the steps are written for plain networks).</exception>
    public IReadOnlyList<NetworkBackwardStep> Backward() => _state.Residual
        ? throw new TeachingInputException("the unit-by-unit backward pass is written for plain networks; a residual network's is in its path sum, where each skip adds paths")
        : NetworkBackward.Steps(_state, Output, LossFactors);

    /// <summary>The network's graph for this example, forward and backward views, as Graphviz DOT.</summary>
    /// <exception cref="TeachingInputException">The network is too big to draw, or residual.</exception>
    public string Dot() => _state.Residual
        ? throw new TeachingInputException("the network's graph is drawn for plain networks; a residual network's skips are shown in its path sum")
        : NetworkGraph.Dot(_state, _outputGradient, Output, Loss);

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

    /// <summary>
    /// Explains dL/d(<paramref name="wrt"/>) for one example x (targets y, or null to differentiate y_hat_1). In a
    /// residual network a path may jump any block along its skip, so each block offers one path more per unit than
    /// its branch: the skip's factor is 1 (pre form) or phi'(u) (post form), and a path through the branch carries alpha.
    /// </summary>
    /// <exception cref="TeachingInputException">The network has a layernorm, or a residual network has more paths than the limit.</exception>
    public static NetworkPathSum Create(Mlp network, Loss loss, double[] x, double[]? y, NetworkParameter wrt, int limit)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        if (network.Layers.Any(l => l.Norm != Normalization.None))
        {
            throw new TeachingInputException("a path sum needs each unit to reach the next layer through one weight, but with layernorm every unit of a row feeds every other unit of it through the row's mean and variance, so the derivative is not a sum over paths of weights and slopes: explain a network without \"norm\" (lab grad and lab gradcheck take it)");
        }
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
            j = loss.Compute(state.Read[^1], y, 1, outputs, g);
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
        double count = Count(state, from, wrt.Unit - 1, reached);

        string output = y is null ? "y_hat" : "L";
        if (count > limit)
        {
            if (state.Residual)
            {
                throw new TeachingInputException($"{wrt.Text} has {count:G6} paths to {output}, more than the limit of {limit}, and the summary of path products is drawn for plain networks only: raise --max-paths or explain a parameter nearer the output");
            }

            return new NetworkPathSum(state, g, wrt, output, count, null, start, lossFactors, backprop, j, PathSpread.Measure(state, from, wrt.Unit - 1));
        }

        var paths = Enumerate(state, from, wrt.Unit - 1, reached, lossFactors, start);
        return new NetworkPathSum(state, g, wrt, output, paths.Count, paths, start, lossFactors, backprop, j, null);
    }

    /// <summary>
    /// The number of paths from unit <paramref name="unit"/> of level <paramref name="from"/> (0 = the inputs, l = what
    /// the layer above layer l reads) to the reached outputs, by dynamic programming over units: a unit's paths are the
    /// sum of those of the units below it, plus, where a block ends, those of the same unit at the block's input.
    /// </summary>
    private static double Count(NetworkState s, int from, int unit, int[] outputs)
    {
        var at = new Dictionary<int, double[]> { [from] = OneHot(s, from, unit) };
        for (int l = from + 1; l <= s.Depth; l++)
        {
            int width = s.Layers[l - 1].OutputSize;
            double below = at[l - 1].Sum();
            var here = Enumerable.Repeat(below, width).ToArray();
            if (s.Network.BlockEndingAt(l - 1) is ResidualBlock block && at.TryGetValue(block.First, out double[]? input))
            {
                for (int k = 0; k < width; k++)
                {
                    here[k] += input[k];
                }
            }

            at[l] = here;
        }

        return outputs.Sum(c => at[s.Depth][c]);
    }

    private static double[] OneHot(NetworkState s, int level, int unit)
    {
        var v = new double[level == 0 ? s.X.Length : s.Layers[level - 1].OutputSize];
        v[unit] = 1;
        return v;
    }

    private static List<NetworkPath> Enumerate(NetworkState s, int from, int unit, int[] outputs, List<PathFactor> lossFactors, List<PathFactor> start)
    {
        // Partial paths from the parameter's unit up to each level l, as (unit reached, factors top-first); kept per
        // level because a block's skip continues the paths that reached its input. A parameter of a block's last layer
        // reaches the block's output through alpha (and phi'(u) in the post form).
        var partialAt = new Dictionary<int, List<(int Unit, List<PathFactor> Factors)>>
        {
            [from] = [(unit, from == 0 ? [] : [.. s.BranchFactors(from, unit)])],
        };
        for (int l = from + 1; l <= s.Depth; l++)
        {
            var next = new List<(int, List<PathFactor>)>();
            int width = s.Layers[l - 1].OutputSize;
            foreach (var (k, factors) in partialAt[l - 1])
            {
                for (int j = 0; j < width; j++)
                {
                    if (l == s.Depth && !outputs.Contains(j))
                    {
                        continue;
                    }

                    next.Add((j, [.. s.BranchFactors(l, j), .. s.EdgeFactors(l, j, k), .. factors]));
                }
            }

            if (s.Network.BlockEndingAt(l - 1) is ResidualBlock block && partialAt.TryGetValue(block.First, out var skipped))
            {
                // The skip: x_b unit k goes straight to the block's output unit k.
                foreach (var (k, factors) in skipped)
                {
                    if (l < s.Depth || outputs.Contains(k))
                    {
                        next.Add((k, [.. s.SkipFactors(l, k), .. factors]));
                    }
                }
            }

            partialAt[l] = next;
        }

        return partialAt[s.Depth]
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
