using System.Globalization;
using Backprop.Core.Networks;

namespace Backprop.Core.Teaching;

/// <summary>
/// The forward pass of one example through a network, kept per layer (z and a), with the worked example's names for
/// the factors a path through the network multiplies: w_jk^[l], phi'(z_j^[l]) and a_k^[l-1].
/// Indices here are 0-based; names are 1-based.
/// </summary>
internal sealed class NetworkState
{
    private NetworkState(IReadOnlyList<DenseLayer> layers, double[] x, double[][] z, double[][] a)
    {
        Layers = layers;
        X = x;
        Z = z;
        A = a;
    }

    public IReadOnlyList<DenseLayer> Layers { get; }

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
        return new NetworkState(network.Layers, (double[])x.Clone(), z, a);
    }

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

    /// <summary>a_k^[l] (x_k for l = 0), the input a weight w_jk^[l+1] multiplies.</summary>
    public PathFactor Activation(int layer, int k) => layer == 0
        ? new PathFactor(Written.Atom($"x{k + 1}", $"x_{{{k + 1}}}"), X[k])
        : new PathFactor(Written.Atom($"a{k + 1}[{layer}]", $"a_{{{k + 1}}}^{{[{layer}]}}"), A[layer - 1][k]);

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
