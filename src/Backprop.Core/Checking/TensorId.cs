using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Core.Checking;

public enum TensorKind
{
    Weights,
    Biases,
    Inputs,
}

/// <summary>
/// A tensor J is differentiated by: W_l, b_l (layer 1-based) or the inputs x. Entry labels are 1-based like the
/// seed's w_jk^[l]: "W2[3,1]" is the weight into unit 3 of layer 2 from unit 1 of layer 1, "b2[3]", and
/// "x[1,2]" is input 2 of example 1.
/// </summary>
public readonly partial record struct TensorId(TensorKind Kind, int Layer)
{
    public string Name => Kind switch
    {
        TensorKind.Weights => $"W{Layer}",
        TensorKind.Biases => $"b{Layer}",
        _ => "x",
    };

    /// <summary>The 1-based label of the entry at row-major <paramref name="index"/> in a tensor with <paramref name="cols"/> columns.</summary>
    public string Label(int index, int cols) => Kind == TensorKind.Biases
        ? $"{Name}[{index + 1}]"
        : $"{Name}[{index / cols + 1},{index % cols + 1}]";

    public override string ToString() => Name;

    /// <summary>
    /// Parses an entry label such as "W2[3,1]", "b1[2]" or "x[1,2]" into a tensor and the 1-based (row, column);
    /// for a bias the row is 1 and the column the unit. Shapes are checked by the caller.
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
        switch (kind)
        {
            case "W" or "w" when layer >= 1 && hasSecond:
                (tensor, row, col) = (new TensorId(TensorKind.Weights, layer), first, second);
                return true;
            case "b" when layer >= 1 && !hasSecond:
                (tensor, row, col) = (new TensorId(TensorKind.Biases, layer), 1, first);
                return true;
            case "x" when layer == 0 && hasSecond:
                (tensor, row, col) = (new TensorId(TensorKind.Inputs, 0), first, second);
                return true;
            default:
                return false;
        }
    }

    [GeneratedRegex(@"^(?<kind>[Wwbx])(?<layer>\d+)?\[(?<first>\d+)(,\s*(?<second>\d+))?\]$")]
    private static partial Regex EntryPattern();
}
