using System.Globalization;
using System.Text;

namespace Backprop.Lab.Cli.Commands;

/// <summary>Plain-text number and matrix formatting for terminal output.</summary>
internal static class Format
{
    public static string Number(double value) => value.ToString("G8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a rows x cols matrix with 1-based row and column labels, right-aligned. The column width is found in a
    /// first pass that keeps no text, so a matrix of a million rows costs one line of text at a time, not all of them.
    /// </summary>
    public static void Matrix(TextWriter output, ReadOnlySpan<double> values, int rows, int cols, string rowLabel, string colLabel, string indent)
    {
        int width = 0;
        Span<char> cell = stackalloc char[32];
        for (int i = 0; i < rows * cols; i++)
        {
            width = Math.Max(width, values[i].TryFormat(cell, out int length, "G8", CultureInfo.InvariantCulture) ? length : Number(values[i]).Length);
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
                line.Append("  ").Append(Number(values[i * cols + j]).PadLeft(width));
            }
            output.WriteLine(line.ToString());
        }
    }
}
