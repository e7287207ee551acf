using System.Globalization;
using System.Text;

namespace Backprop.Lab.Cli.Commands;

/// <summary>Plain-text number and matrix formatting for terminal output.</summary>
internal static class Format
{
    public static string Number(double value) => value.ToString("G8", CultureInfo.InvariantCulture);

    /// <summary>Writes a rows x cols matrix with 1-based row and column labels, right-aligned.</summary>
    public static void Matrix(TextWriter output, ReadOnlySpan<double> values, int rows, int cols, string rowLabel, string colLabel, string indent)
    {
        var cells = new string[rows, cols];
        int width = 0;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                cells[i, j] = Number(values[i * cols + j]);
                width = Math.Max(width, cells[i, j].Length);
            }
        }
        string rowHeader = $"{rowLabel}={rows}";
        int labelWidth = rowHeader.Length;
        width = Math.Max(width, $"{colLabel}={cols}".Length);
        var line = new StringBuilder(indent).Append(new string(' ', labelWidth));
        for (int j = 0; j < cols; j++)
        {
            line.Append("  ").Append($"{colLabel}={j + 1}".PadLeft(width));
        }
        output.WriteLine(line.ToString());
        for (int i = 0; i < rows; i++)
        {
            line.Clear().Append(indent).Append($"{rowLabel}={i + 1}".PadRight(labelWidth));
            for (int j = 0; j < cols; j++)
            {
                line.Append("  ").Append(cells[i, j].PadLeft(width));
            }
            output.WriteLine(line.ToString());
        }
    }
}
