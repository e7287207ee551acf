using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Core.Checking;

public enum TensorKind
{
    Weights,
    Biases,
    Inputs,

    /// <summary>gamma_l, the layernorm gain of layer l (one per unit).</summary>
    NormGain,

    /// <summary>beta_l, the layernorm bias of layer l (one per unit).</summary>
    NormBias,
}

/// <summary>
/// A tensor J is differentiated by: W_l, b_l, the layernorm gain gamma_l and bias beta_l (layer 1-based) or the
/// inputs x. Entry labels are 1-based like the worked example's w_jk^[l]: "W2[3,1]" is the weight into unit 3 of layer 2 from
/// unit 1 of layer 1, "b2[3]", "gamma2[3]" and "beta2[3]" belong to unit 3 of layer 2, and "x[1,2]" is input 2 of example 1.
/// </summary>
public readonly partial record struct TensorId(TensorKind Kind, int Layer)
{
    public string Name => Kind switch
    {
        TensorKind.Weights => $"W{Layer}",
        TensorKind.Biases => $"b{Layer}",
        TensorKind.NormGain => $"gamma{Layer}",
        TensorKind.NormBias => $"beta{Layer}",
        _ => "x",
    };

    /// <summary>One value per unit: a bias, gain or norm bias, labelled by its unit alone.</summary>
    public bool IsVector => Kind is TensorKind.Biases or TensorKind.NormGain or TensorKind.NormBias;

    /// <summary>The 1-based label of the entry at row-major <paramref name="index"/> in a tensor with <paramref name="cols"/> columns.</summary>
    public string Label(int index, int cols) => IsVector
        ? $"{Name}[{index + 1}]"
        : $"{Name}[{index / cols + 1},{index % cols + 1}]";

    public override string ToString() => Name;

    /// <summary>
    /// Parses an entry label such as "W2[3,1]", "b1[2]", "gamma2[3]", "beta2[3]" or "x[1,2]" into a tensor and the
    /// 1-based (row, column); for a vector the row is 1 and the column the unit. Shapes are checked by the caller.
    /// </summary>
    public static bool TryParseEntry(string text, out TensorId tensor, out int row, out int col)
    {
        tensor = default;
        row = col = 0;
        Match match = EntryPattern().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }
        string kind = match.Groups["kind"].Value;
        int layer = match.Groups["layer"].Success ? int.Parse(match.Groups["layer"].Value, CultureInfo.InvariantCulture) : 0;
        int first = int.Parse(match.Groups["first"].Value, CultureInfo.InvariantCulture);
        bool hasSecond = match.Groups["second"].Success;
        int second = hasSecond ? int.Parse(match.Groups["second"].Value, CultureInfo.InvariantCulture) : 0;
        TensorKind? vector = kind switch
        {
            "b" => TensorKind.Biases,
            "gamma" => TensorKind.NormGain,
            "beta" => TensorKind.NormBias,
            _ => null,
        };
        switch (kind)
        {
            case "W" or "w" when layer >= 1 && hasSecond:
                (tensor, row, col) = (new TensorId(TensorKind.Weights, layer), first, second);
                return true;
            case "x" when layer == 0 && hasSecond:
                (tensor, row, col) = (new TensorId(TensorKind.Inputs, 0), first, second);
                return true;
            default:
                if (vector is TensorKind v && layer >= 1 && !hasSecond)
                {
                    (tensor, row, col) = (new TensorId(v, layer), 1, first);
                    return true;
                }
                return false;
        }
    }

    [GeneratedRegex(@"^(?<kind>[Wwbx]|gamma|beta)(?<layer>\d+)?\[(?<first>\d+)(,\s*(?<second>\d+))?\]$")]
    private static partial Regex EntryPattern();
}
