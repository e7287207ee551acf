using System.Globalization;

namespace Backprop.Core.Theory;

/// <summary>
/// The shape of network the architecture theory (<see cref="ArchitectureTheory"/>) follows: plain or residual, with or without
/// layernorm on every hidden layer. A trial of depth D has a stem (hidden layer 1) and, when residual, (D - 1)/k blocks of k
/// layers each; the block's input x_b is the stream.
/// </summary>
/// <param name="BlockDepth">k, the layers per residual block; 0 for a plain network.</param>
/// <param name="ResidualScale">alpha in x_(b+1) = x_b + alpha F(x_b) (pre form) or phi(x_b + alpha z_k) (post form).</param>
/// <param name="PostForm">True for the post form (phi after the sum, He et al. 2015); false for the pre form (He et al. 2016b).</param>
/// <param name="LayerNorm">True when every hidden layer normalises its pre-activations over its units before phi.</param>
/// <param name="Epsilon">The layernorm's eps in s = sqrt(var + eps) (1e-5, as PyTorch).</param>
public sealed record MeanFieldArchitecture(int BlockDepth, double ResidualScale, bool PostForm, bool LayerNorm, double Epsilon)
{
    public const double DefaultEpsilon = 1e-5;

    /// <summary>A plain network (every hidden layer z = W x + b, a = phi(z), or phi(layernorm(z))).</summary>
    public static MeanFieldArchitecture Plain(bool layerNorm = false) => new(0, 0, false, layerNorm, DefaultEpsilon);

    /// <summary>A residual network of blocks of <paramref name="blockDepth"/> layers.</summary>
    public static MeanFieldArchitecture Residual(int blockDepth, double residualScale, bool postForm = false, bool layerNorm = false) =>
        new(blockDepth, residualScale, postForm, layerNorm, DefaultEpsilon);

    public bool IsResidual => BlockDepth > 0;

    /// <summary>"plain", "residual k=2 alpha=1 pre", with "+ layernorm" when normed.</summary>
    public override string ToString()
    {
        string shape = IsResidual
            ? string.Create(CultureInfo.InvariantCulture, $"residual, block depth {BlockDepth}, residual scale {ResidualScale:G8}, {(PostForm ? "post" : "pre")} form")
            : "plain";
        return LayerNorm ? shape + ", layernorm" : shape;
    }

    /// <summary>
    /// The residual scale alpha from its text: a number, or "1/sqrt(L)", "c/sqrt(L)", "1/L", "c/L" with L the number of residual
    /// blocks (<paramref name="blocks"/>); false and a message saying what is expected otherwise.
    /// </summary>
    public static bool TryParseResidualScale(string text, int blocks, out double alpha, out string error)
    {
        alpha = double.NaN;
        error = "";
        if (!Networks.Architecture.IsScale(text))
        {
            error = $"residual scale \"{text}\" is not a number >= 0 or one of 1/sqrt(L), c/sqrt(L), 1/L, c/L (L = the number of residual blocks)";
            return false;
        }
        alpha = Networks.Architecture.ResolveScale(text, blocks);
        return true;
    }
}
