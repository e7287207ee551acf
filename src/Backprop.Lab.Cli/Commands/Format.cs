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
        int width = Width(values[..(rows * cols)], $"{colLabel}={cols}".Length);
        int labelWidth = Header(output, rows, cols, width, rowLabel, colLabel, indent);
        Rows(output, values, 0, rows, cols, width, labelWidth, rowLabel, indent);
    }

    /// <summary>
    /// <see cref="Matrix(TextWriter, ReadOnlySpan{double}, int, int, string, string, string)"/> for a matrix handed over
    /// a chunk of rows at a time: one pass over the chunks finds the column width, a second prints them.
    /// </summary>
    public static void Matrix(TextWriter output, RowChunks chunks, int rows, int cols, string rowLabel, string colLabel, string indent)
    {
        int width = $"{colLabel}={cols}".Length;
        chunks((values, count) => width = Width(values[..(count * cols)], width));
        int labelWidth = Header(output, rows, cols, width, rowLabel, colLabel, indent);
        int first = 0;
        chunks((values, count) =>
        {
            Rows(output, values, first, count, cols, width, labelWidth, rowLabel, indent);
            first += count;
        });
    }

    /// <summary>The widest of <paramref name="width"/> and the formatted values.</summary>
    private static int Width(ReadOnlySpan<double> values, int width)
    {
        Span<char> cell = stackalloc char[32];
        foreach (double value in values)
        {
            width = Math.Max(width, value.TryFormat(cell, out int length, "G8", CultureInfo.InvariantCulture) ? length : Number(value).Length);
        }
        return width;
    }

    /// <summary>Writes the column labels and returns the width of the row labels.</summary>
    private static int Header(TextWriter output, int rows, int cols, int width, string rowLabel, string colLabel, string indent)
    {
        int labelWidth = $"{rowLabel}={rows}".Length;
        var line = new StringBuilder(indent).Append(new string(' ', labelWidth));
        for (int j = 0; j < cols; j++)
        {
            line.Append("  ").Append($"{colLabel}={j + 1}".PadLeft(width));
        }
        output.WriteLine(line.ToString());
        return labelWidth;
    }

    private static void Rows(TextWriter output, ReadOnlySpan<double> values, int first, int rows, int cols, int width, int labelWidth, string rowLabel, string indent)
    {
        var line = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            line.Clear().Append(indent).Append($"{rowLabel}={first + i + 1}".PadRight(labelWidth));
            for (int j = 0; j < cols; j++)
            {
                line.Append("  ").Append(Number(values[i * cols + j]).PadLeft(width));
            }
            output.WriteLine(line.ToString());
        }
    }
}
