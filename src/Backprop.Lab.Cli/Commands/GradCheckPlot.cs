using Backprop.Core.Checking;
using Backprop.Core.Serialization;
using Backprop.Lab.Reports.Figures;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab gradcheck --sweep-h --plot FILE</c>: the step-size sweep's V-curve (<see cref="StepSizeFigure"/>, the report's
/// figure) written as PNG or SVG, chosen by the file's extension. The path is checked before the sweep runs, so a typo
/// costs nothing.
/// </summary>
internal static class GradCheckPlot
{
    /// <summary>The full path of a writable-looking .png or .svg file name; a <see cref="UserInputException"/> otherwise.</summary>
    public static string Validate(string path, bool sweep)
    {
        if (!sweep)
        {
            throw new UserInputException("--plot draws the step-size sweep's V-curve: use it with --sweep-h");
        }
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UserInputException("--plot needs a file name ending in .png or .svg");
        }
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".png" or ".svg"))
        {
            throw new UserInputException($"--plot '{path}': the figure is written as PNG or SVG; give a file name ending in .png or .svg");
        }
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserInputException($"--plot '{path}': not a usable file name ({e.Message})");
        }
        if (Directory.Exists(full))
        {
            throw new UserInputException($"--plot '{path}' is a folder; give a file name ending in .png or .svg");
        }
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new UserInputException($"--plot '{path}': the folder '{folder}' does not exist");
        }
        return full;
    }

    /// <summary>Renders the figure and writes it; returns a line saying what was written.</summary>
    public static string Write(string path, StepSweepResult sweep)
    {
        Figure figure = StepSizeFigure.Build(sweep);
        bool svg = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (svg)
            {
                AtomicFile.WriteText(path, figure.ToSvg());
            }
            else
            {
                byte[] png = figure.ToPng();
                AtomicFile.Write(path, stream => stream.Write(png));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--plot '{path}': cannot write it: {e.Message}");
        }
        return $"V-curve ({(svg ? "SVG" : "PNG")}, {figure.Width} x {figure.Height}) written to {path}";
    }
}
