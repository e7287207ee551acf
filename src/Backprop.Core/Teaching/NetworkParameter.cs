using System.Text.RegularExpressions;
using Backprop.Core.Networks;

namespace Backprop.Core.Teaching;

public enum ParameterKind
{
    Input,
    Weight,
    Bias,
}

/// <summary>
/// Something a network's loss can be differentiated with respect to, named as the worked example names it: an input
/// x_k, a weight w_jk^[l] (into unit j of layer l from unit k of layer l-1) or a bias b_j^[l]. Indices are
/// 1-based as in the worked example; Layer is 0 for an input.
/// </summary>
public sealed partial record NetworkParameter(ParameterKind Kind, int Layer, int Unit, int From)
{
    /// <summary>x2, w12[1] (w1,12[1] once an index has two digits), b1[2].</summary>
    public string Text => Kind switch
    {
        ParameterKind.Input => $"x{Unit}",
        ParameterKind.Weight => $"{WeightText(Unit, From, Layer)}",
        _ => $"b{Unit}[{Layer}]",
    };

    public string Latex => Kind switch
    {
        ParameterKind.Input => $"x_{{{Unit}}}",
        ParameterKind.Weight => WeightLatex(Unit, From, Layer),
        _ => $"b_{{{Unit}}}^{{[{Layer}]}}",
    };

    public static string WeightText(int j, int k, int layer) => j < 10 && k < 10 ? $"w{j}{k}[{layer}]" : $"w{j},{k}[{layer}]";

    public static string WeightLatex(int j, int k, int layer) => j < 10 && k < 10 ? $"w_{{{j}{k}}}^{{[{layer}]}}" : $"w_{{{j},{k}}}^{{[{layer}]}}";

    /// <summary>
    /// Reads x2, w12[1], w_12^[1], w1,12[2] or b1[2] and checks it exists in <paramref name="network"/>.
    /// Without a separator, w123[2] is accepted only when exactly one split fits the layer's shape.
    /// </summary>
    /// <exception cref="TeachingInputException">The text is not such a name, or names nothing in the network.</exception>
    public static NetworkParameter Parse(string text, Mlp network)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(network);
        string s = text.Trim();
        Match m;
        if ((m = InputPattern().Match(s)).Success)
        {
            int k = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return k >= 1 && k <= network.InputSize
                ? new NetworkParameter(ParameterKind.Input, 0, k, 0)
                : throw Nothing(text, $"the network has inputs x1..x{network.InputSize}");
        }

        if ((m = BiasPattern().Match(s)).Success)
        {
            int layer = CheckLayer(text, Int(m.Groups[2]), network);
            int units = network.Layers[layer - 1].OutputSize;
            int j = Int(m.Groups[1]);
            return j >= 1 && j <= units
                ? new NetworkParameter(ParameterKind.Bias, layer, j, 0)
                : throw Nothing(text, $"layer {layer} has units j = 1..{units}");
        }

        if ((m = WeightPattern().Match(s)).Success)
        {
            int layer = CheckLayer(text, Int(m.Groups[3]), network);
            var shape = network.Layers[layer - 1];
            string where = $"layer {layer} has weights w_jk^[{layer}] with j = 1..{shape.OutputSize} (its units) and k = 1..{shape.InputSize} (the units below)";
            var splits = m.Groups[2].Success
                ? [(Int(m.Groups[1]), Int(m.Groups[2]))]
                : Splits(m.Groups[1].Value);
            var fits = splits.Where(p => p.J >= 1 && p.J <= shape.OutputSize && p.K >= 1 && p.K <= shape.InputSize).ToList();
            if (fits.Count == 1)
            {
                return new NetworkParameter(ParameterKind.Weight, layer, fits[0].J, fits[0].K);
            }

            throw fits.Count == 0
                ? Nothing(text, where)
                : new TeachingInputException($"--wrt {text} is ambiguous; write the indices with a comma, such as {WeightText(fits[0].J, fits[0].K, layer)} or w{fits[1].J},{fits[1].K}[{layer}]");
        }

        throw new TeachingInputException($"--wrt {text} names nothing in the network: write an input x2, a weight w12[1] (w_jk^[l]: into unit j of layer l from unit k of layer l-1) or a bias b1[2] (b_j^[l])");
    }

    private static List<(int J, int K)> Splits(string digits) =>
        Enumerable.Range(1, digits.Length - 1)
            .Where(i => digits[i] != '0')
            .Select(i => (int.Parse(digits[..i], System.Globalization.CultureInfo.InvariantCulture), int.Parse(digits[i..], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    private static int CheckLayer(string text, int layer, Mlp network) =>
        layer >= 1 && layer <= network.Depth ? layer : throw Nothing(text, $"the network has layers [1]..[{network.Depth}]");

    private static int Int(Group g) =>
        int.TryParse(g.Value, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : int.MaxValue;

    private static TeachingInputException Nothing(string text, string why) => new($"--wrt {text} names nothing in the network: {why}");

    [GeneratedRegex(@"^x_?(\d+)$")]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"^b_?(\d+)\^?\[(\d+)\]$")]
    private static partial Regex BiasPattern();

    [GeneratedRegex(@"^w_?(\d+)(?:[,_](\d+))?\^?\[(\d+)\]$")]
    private static partial Regex WeightPattern();
}
