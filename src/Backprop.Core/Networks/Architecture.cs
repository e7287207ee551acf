using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Core.Networks;

/// <summary>How a layer normalises its pre-activations before the activation.</summary>
public enum Normalization
{
    None,

    /// <summary>
    /// Per example, over the layer's units: zhat = (z - mean) / sqrt(var + eps) (biased variance, eps =
    /// <see cref="DenseLayer.NormEpsilon"/>, as PyTorch's LayerNorm), then y = gamma zhat + beta with a learnable gain and
    /// bias per unit, and a = phi(y) (Ba, Kiros and Hinton 2016).
    /// </summary>
    LayerNorm,
}

/// <summary>Where the activation of a residual block's last layer goes.</summary>
public enum BlockForm
{
    /// <summary>
    /// x_{b+1} = x_b + alpha F(x_b), F's layers each applying their activation, nothing after the sum: the stream is never
    /// squashed (He et al. 2016, "Identity mappings"; for one layer a block, the reduced residual network of Yang and
    /// Schoenholz 2017, whose mean-field theory applies).
    /// </summary>
    Pre,

    /// <summary>
    /// x_{b+1} = phi(x_b + alpha z_k): the block's last layer is linear and its activation is applied after the sum (the
    /// original ResNet, He et al. 2015).
    /// </summary>
    Post,
}

/// <summary>
/// An identity skip around layers [<see cref="First"/>, <see cref="First"/> + <see cref="Count"/>) (0-based): the block's
/// output is its input plus <see cref="Scale"/> times the last layer's output, then <see cref="After"/> when it is set
/// (the post form, whose last layer is then linear). Every layer of a block has the width of the block's input.
/// </summary>
public sealed record ResidualBlock(int First, int Count, double Scale, Activation? After = null)
{
    public int Last => First + Count - 1;
}

/// <summary>
/// The architecture of a network's hidden layers, as network files and sweeps name it: plain, or residual with an
/// identity skip around every <see cref="BlockDepth"/> layers; and the normalisation of every hidden layer. In a
/// residual network the first hidden layer (the stem, which maps the inputs to the width) is plain, the other hidden
/// layers form the blocks, and the output layer (the readout) is outside them and never normalised.
/// </summary>
public sealed partial record Architecture
{
    public static Architecture Plain { get; } = new();

    public static IReadOnlyList<string> KindNames { get; } = ["plain", "residual"];
    public static IReadOnlyList<string> FormNames { get; } = ["pre", "post"];
    public static IReadOnlyList<string> NormNames { get; } = ["none", "layernorm"];

    public bool Residual { get; init; }

    /// <summary>Layers in each residual block.</summary>
    public int BlockDepth { get; init; } = 2;

    /// <summary>The branch scale alpha: a number, or c/sqrt(L) or c/L with L the number of blocks (see <see cref="ResolveScale"/>).</summary>
    public string ResidualScale { get; init; } = "1";

    public BlockForm Form { get; init; } = BlockForm.Pre;

    public Normalization Norm { get; init; } = Normalization.None;

    public string KindName => Residual ? "residual" : "plain";
    public string FormName => Form == BlockForm.Pre ? "pre" : "post";
    public string NormName => Norm == Normalization.LayerNorm ? "layernorm" : "none";

    public static bool TryParseKind(string text, out bool residual)
    {
        residual = text == "residual";
        return text is "plain" or "residual";
    }

    public static bool TryParseForm(string text, out BlockForm form)
    {
        form = text == "post" ? BlockForm.Post : BlockForm.Pre;
        return text is "pre" or "post";
    }

    /// <summary>
    /// Why batch normalisation is not a norm here, for the message that refuses it: in training mode it couples the
    /// examples of a batch, while the engine's chunked passes and per-example measurements rest on each example's gradient
    /// depending on that example alone.
    /// </summary>
    public const string BatchNormRefusal =
        "batchnorm is not offered: in training mode it couples the examples of a batch, which the engine's chunked passes and per-example measurements keep apart (docs/networks.md)";

    /// <summary>Whether <paramref name="text"/> names batch normalisation ("batchnorm", "batch_norm", "bn").</summary>
    public static bool IsBatchNorm(string text) =>
        text.Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "batchnorm" or "bn" or "batchnormalization" or "batchnormalisation";

    public static bool TryParseNorm(string text, out Normalization norm)
    {
        norm = text == "layernorm" ? Normalization.LayerNorm : Normalization.None;
        return text is "none" or "layernorm";
    }

    /// <summary>Whether <paramref name="text"/> is a residual scale: a number, or "c/sqrt(L)", "c/L", "1/sqrt(L)" (c a number).</summary>
    public static bool IsScale(string text) => ScalePattern().IsMatch(text);

    /// <summary>
    /// alpha for a network of <paramref name="blocks"/> blocks: "0.5" is 0.5, "1/sqrt(L)" is 1/sqrt(blocks), "2/L" is
    /// 2/blocks (the depth scalings that keep the stream's variance bounded as blocks are added; with no blocks, c).
    /// </summary>
    public static double ResolveScale(string text, int blocks)
    {
        Match match = ScalePattern().Match(text);
        if (!match.Success)
        {
            throw new ArgumentException($"\"{text}\" is not a residual scale (a number, or c/sqrt(L) or c/L)", nameof(text));
        }
        double c = double.Parse(match.Groups["c"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!match.Groups["depth"].Success || blocks == 0)
        {
            return c;
        }
        return match.Groups["depth"].Value == "L" ? c / blocks : c / Math.Sqrt(blocks);
    }

    /// <summary>The blocks of a network whose hidden layers are [0, <paramref name="hidden"/>): (hidden - 1) / BlockDepth.</summary>
    public int BlockCount(int hidden) => Residual && hidden > 1 ? (hidden - 1) / BlockDepth : 0;

    /// <summary>
    /// Why a network of <paramref name="hidden"/> hidden layers cannot have this architecture, or null when it can. The
    /// widths are checked by <see cref="WidthProblem"/>.
    /// </summary>
    public string? Problem(int hidden)
    {
        if (!Residual)
        {
            return null;
        }
        if (BlockDepth < 1)
        {
            return "block_depth must be at least 1";
        }
        if (hidden < 1)
        {
            return "a residual network needs a hidden layer before its output, the stem the blocks start from";
        }
        if ((hidden - 1) % BlockDepth != 0)
        {
            int below = hidden - 1 - (hidden - 1) % BlockDepth + 1;
            return $"a residual network's hidden layers are a stem and blocks of block_depth = {BlockDepth}: {hidden} hidden layers are not 1 plus a " +
                $"multiple of {BlockDepth} (try {below} or {below + BlockDepth})";
        }
        return IsScale(ResidualScale) ? null : $"residual_scale \"{ResidualScale}\" is not a number, c/sqrt(L) or c/L";
    }

    /// <summary>
    /// Why hidden layers of <paramref name="hiddenUnits"/> units cannot have this architecture, or null when they can: a
    /// residual block adds its input to its output, so every layer after the stem has the stem's width.
    /// </summary>
    public string? WidthProblem(IReadOnlyList<int> hiddenUnits)
    {
        ArgumentNullException.ThrowIfNull(hiddenUnits);
        if (!Residual)
        {
            return null;
        }
        for (int l = 1; l < hiddenUnits.Count; l++)
        {
            if (hiddenUnits[l] != hiddenUnits[0])
            {
                return $"layer {l + 1} has {hiddenUnits[l]} units; every layer of a residual block has the stem's width, {hiddenUnits[0]}";
            }
        }
        return null;
    }

    /// <summary>
    /// The layers and blocks of a network with this architecture, from its plain layers: the first <paramref name="hidden"/>
    /// are hidden (normalised when <see cref="Norm"/> says so), the rest are output layers. In the post form each block's
    /// last layer becomes linear and its activation moves after the sum.
    /// </summary>
    public (LayerSpec[] Layers, ResidualBlock[] Blocks) Apply(IReadOnlyList<LayerSpec> layers, int hidden)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hidden, layers.Count);
        if (Problem(hidden) is string problem)
        {
            throw new ArgumentException(problem, nameof(layers));
        }
        if (WidthProblem(layers.Take(hidden).Select(l => l.Units).ToArray()) is string widths)
        {
            throw new ArgumentException(widths, nameof(layers));
        }
        var specs = new LayerSpec[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            specs[l] = layers[l] with { Norm = l < hidden ? Norm : Normalization.None };
        }
        int count = BlockCount(hidden);
        var blocks = new ResidualBlock[count];
        double scale = count == 0 ? 1 : ResolveScale(ResidualScale, count);
        for (int b = 0; b < count; b++)
        {
            int first = 1 + b * BlockDepth, last = first + BlockDepth - 1;
            Activation? after = null;
            if (Form == BlockForm.Post)
            {
                after = specs[last].Activation;
                specs[last] = specs[last] with { Activation = Activation.Identity };
            }
            blocks[b] = new ResidualBlock(first, BlockDepth, scale, after);
        }
        return (specs, blocks);
    }

    [GeneratedRegex(@"^\s*(?<c>[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)\s*(/\s*(?<depth>sqrt\(\s*L\s*\)|L))?\s*$")]
    private static partial Regex ScalePattern();
}
