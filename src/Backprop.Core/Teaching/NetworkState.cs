using System.Globalization;
using Backprop.Core.Networks;

namespace Backprop.Core.Teaching;

/// <summary>
/// The forward pass of one example through a network, kept per layer (z and a), with the worked example's names for
/// the factors a path through the network multiplies: w_jk^[l], phi'(z_j^[l]) and a_k^[l-1].
/// Indices here are 0-based; names are 1-based. In a residual network the output of a block's last layer l is the
/// block's output h^[l] = x_b + alpha a^[l] (pre form) or phi(u^[l]), u^[l] = x_b + alpha z^[l] (post form), and that
/// is what the layer above reads.
/// </summary>
internal sealed class NetworkState
{
    private NetworkState(Mlp network, double[] x, double[][] z, double[][] a, double[][] read, double[][] sums)
    {
        Network = network;
        Layers = network.Layers;
        X = x;
        Z = z;
        A = a;
        Read = read;
        Sums = sums;
    }

    public Mlp Network { get; }

    public IReadOnlyList<DenseLayer> Layers { get; }

    /// <summary>Read[l - 1] is what the layer above layer l reads: a^[l], or h^[l] where a block ends.</summary>
    public double[][] Read { get; }

    /// <summary>Sums[l - 1] = u^[l] where a block ends at layer l (empty elsewhere).</summary>
    public double[][] Sums { get; }

    public int Depth => Layers.Count;

    public double[] X { get; }

    /// <summary>Z[l - 1][j] = z_j^[l].</summary>
    public double[][] Z { get; }

    /// <summary>A[l - 1][j] = a_j^[l]; A[^1] is y_hat.</summary>
    public double[][] A { get; }

    public static NetworkState Capture(Mlp network, double[] x)
    {
        if (x.Length != network.InputSize)
        {
            throw new ArgumentException($"the network has {network.InputSize} inputs; got {x.Length} values", nameof(x));
        }

        network.Forward(x, 1);
        var z = network.Layers.Select(l => l.PreActivation.ToArray()).ToArray();
        var a = network.Layers.Select(l => l.Output.ToArray()).ToArray();
        var read = Enumerable.Range(0, network.Depth).Select(l => network.OutputOf(l).ToArray()).ToArray();
        var sums = Enumerable.Range(0, network.Depth).Select(l => network.BlockEndingAt(l) is null ? [] : network.BlockSum(l).ToArray()).ToArray();
        return new NetworkState(network, (double[])x.Clone(), z, a, read, sums);
    }

    /// <summary>Whether the network has residual blocks.</summary>
    public bool Residual => Network.Blocks.Count > 0;

    /// <summary>w_jk^[l] with its value.</summary>
    public PathFactor Weight(int layer, int j, int k) =>
        new(Written.Atom(NetworkParameter.WeightText(j + 1, k + 1, layer), NetworkParameter.WeightLatex(j + 1, k + 1, layer)), Layers[layer - 1][j, k]);

    /// <summary>phi'(z_j^[l]), or null for identity layers, whose slope is 1 and which the worked example leaves out.</summary>
    public PathFactor? Slope(int layer, int j)
    {
        var activation = Layers[layer - 1].Activation;
        if (activation.Kind == ActivationKind.Identity)
        {
            return null;
        }

        string name = activation.Kind.ToString().ToLowerInvariant() switch
        {
            "leakyrelu" => "leaky_relu",
            var n => n,
        };
        string latexName = name is "tanh" ? "\\tanh" : $"\\operatorname{{{name.Replace("_", "\\_", StringComparison.Ordinal)}}}";
        string z = $"z{j + 1}[{layer}]";
        return new PathFactor(
            Written.Atom($"{name}'({z})", $"{latexName}'\\left(z_{{{j + 1}}}^{{[{layer}]}}\\right)"),
            activation.Derivative(Z[layer - 1][j]));
    }

    /// <summary>a_k^[l] (x_k for l = 0; h_k^[l] where a block ends at l), the input a weight w_jk^[l+1] multiplies.</summary>
    public PathFactor Activation(int layer, int k) => layer == 0
        ? new PathFactor(Written.Atom($"x{k + 1}", $"x_{{{k + 1}}}"), X[k])
        : Network.BlockEndingAt(layer - 1) is not null
        ? new PathFactor(Written.Atom($"h{k + 1}[{layer}]", $"h_{{{k + 1}}}^{{[{layer}]}}"), Read[layer - 1][k])
        : new PathFactor(Written.Atom($"a{k + 1}[{layer}]", $"a_{{{k + 1}}}^{{[{layer}]}}"), A[layer - 1][k]);

    /// <summary>
    /// Where a block ends at layer l, the factors from a^[l]_j (or z^[l]_j, post form) to the block's output h^[l]_j, top
    /// first: phi'(u_j^[l]) for the post form, then alpha (left out when it is 1, as the worked example leaves out 1s).
    /// </summary>
    public IEnumerable<PathFactor> BranchFactors(int layer, int j)
    {
        if (Network.BlockEndingAt(layer - 1) is not ResidualBlock block)
        {
            yield break;
        }
        if (AfterSlope(block, layer, j) is { } slope)
        {
            yield return slope;
        }
        if (block.Scale != 1)
        {
            yield return new PathFactor(Written.Atom("alpha", "\\alpha"), block.Scale);
        }
    }

    /// <summary>The skip of a block ending at layer l, from x_b unit j to h^[l]_j: phi'(u_j^[l]) in the post form, nothing (1) in the pre form.</summary>
    public IEnumerable<PathFactor> SkipFactors(int layer, int j)
    {
        if (Network.BlockEndingAt(layer - 1) is ResidualBlock block && AfterSlope(block, layer, j) is { } slope)
        {
            yield return slope;
        }
    }

    private PathFactor? AfterSlope(ResidualBlock block, int layer, int j)
    {
        if (block.After is not Activation after || after.Kind == ActivationKind.Identity)
        {
            return null;
        }
        string name = after.Kind.ToString().ToLowerInvariant();
        string u = $"u{j + 1}[{layer}]";
        return new PathFactor(Written.Atom($"{name}'({u})", $"\\operatorname{{{name}}}'\\left(u_{{{j + 1}}}^{{[{layer}]}}\\right)"), after.Derivative(Sums[layer - 1][j]));
    }

    /// <summary>The factors of the step from unit k of layer l-1 to unit j of layer l, top first: phi'(z_j^[l]) w_jk^[l].</summary>
    public IEnumerable<PathFactor> EdgeFactors(int layer, int j, int k)
    {
        if (Slope(layer, j) is { } slope)
        {
            yield return slope;
        }

        yield return Weight(layer, j, k);
    }

    /// <summary>The local derivative d a_j^[l] / d a_k^[l-1] = phi'(z_j^[l]) w_jk^[l] as a number.</summary>
    public double EdgeValue(int layer, int j, int k) =>
        Layers[layer - 1].Activation.Derivative(Z[layer - 1][j]) * Layers[layer - 1][j, k];

    public static string Num(double x) => x.ToString("G8", CultureInfo.InvariantCulture);
}
