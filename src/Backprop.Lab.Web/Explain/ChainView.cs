using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Web.Explain;

/// <summary>The chain of <see cref="Depth"/> layers: its one path's product of weights and the dense engine's backprop value.</summary>
public sealed record ChainDepth(int Depth, double Product, double Backprop);

/// <summary>
/// The depth slider: a chain of L identical one-unit linear layers, each with weight w, from x1 to y_hat. Its one path
/// from y_hat down to x1 multiplies L weights, so dy_hat/dx1 = w^L: it shrinks towards 0 when |w| &lt; 1 (vanishing),
/// grows without bound when |w| &gt; 1 (exploding), and stays at size 1 on the boundary |w| = 1. Every value is the
/// path sum of <see cref="NetworkPathSum"/> on that network, checked against its backprop.
/// </summary>
public sealed record ChainView(double W, int Depth, IReadOnlyList<NetworkFactor> Factors, string Symbolic, double Product, double Backprop,
    string Regime, IReadOnlyList<ChainDepth> Depths)
{
    /// <exception cref="ExplainInputException">w is not a finite number or the depth is outside 1..<see cref="ExplainLimits.MaxChainDepth"/>.</exception>
    public static ChainView Of(double w, int depth)
    {
        if (!double.IsFinite(w) || Math.Abs(w) > 100)
        {
            throw new ExplainInputException($"w must be a number between -100 and 100, got {w}");
        }
        if (depth < 1 || depth > ExplainLimits.MaxChainDepth)
        {
            throw new ExplainInputException($"depth must be between 1 and {ExplainLimits.MaxChainDepth}, got {depth}");
        }

        var depths = new List<ChainDepth>();
        NetworkPathSum? chosen = null;
        for (int l = 1; l <= ExplainLimits.MaxChainDepth; l++)
        {
            var sum = Explain(w, l);
            depths.Add(new ChainDepth(l, sum.Value, sum.Backprop));
            if (l == depth)
            {
                chosen = sum;
            }
        }

        var path = chosen!.Paths![0];
        string regime = Math.Abs(w) < 1 ? "vanishing" : Math.Abs(w) > 1 ? "exploding" : "critical";
        return new ChainView(w, depth, path.Factors.Select(f => new NetworkFactor(f.Symbol.Text, f.Value)).ToList(),
            chosen.Symbolic()!.Text, chosen.Value, chosen.Backprop, regime, depths);
    }

    private static NetworkPathSum Explain(double w, int depth)
    {
        var network = new Mlp(1, Enumerable.Range(0, depth).Select(_ => new LayerSpec(1, Activation.Identity)).ToArray());
        foreach (var layer in network.Layers)
        {
            layer[0, 0] = w;
        }
        return NetworkPathSum.Create(network, Loss.MeanSquaredError, [1.0], null, new NetworkParameter(ParameterKind.Input, 0, 1, 0), 1);
    }
}
