using System.ComponentModel;
using System.Diagnostics;
using Backprop.Core.Serialization;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// Where `lab explain` writes its graph: DOT always works; SVG and PNG go through Graphviz's `dot`, which is
/// checked for before any work so a missing install fails fast with the package to install.
/// </summary>
internal sealed class ExplainGraphviz(FileInfo? dot, FileInfo? svg, FileInfo? png)
{
    public const string MissingMessage =
        "Graphviz 'dot' was not found on PATH, so --svg/--png cannot render; install it (Debian/Ubuntu: apt-get install graphviz) or write --dot FILE and render it elsewhere";

    public void CheckRenderer()
    {
        if ((svg is not null || png is not null) && FindDot() is null)
        {
            throw new UserInputException(MissingMessage);
        }
    }

    /// <summary>Whether any drawing was asked for: only then is the graph made (a large network cannot be drawn).</summary>
    public bool Requested => dot is not null || svg is not null || png is not null;

    /// <summary>Makes the graph with <paramref name="graph"/> and writes it, when a drawing was asked for; otherwise does nothing.</summary>
    public void Write(TextWriter stdout, Func<string> graph)
    {
        if (!Requested)
        {
            return;
        }

        string dotText = graph();
        if (dot is not null)
        {
            AtomicFile.WriteText(dot.FullName, dotText);
            stdout.WriteLine($"wrote {dot.FullName} (Graphviz DOT)");
        }
        foreach (var (file, format) in new[] { (svg, "svg"), (png, "png") })
        {
            if (file is not null)
            {
                Render(dotText, format, file.FullName);
                stdout.WriteLine($"wrote {file.FullName} ({format.ToUpperInvariant()}, rendered by Graphviz dot)");
            }
        }
    }

    /// <summary>The `dot` executable on PATH, or null.</summary>
    public static string? FindDot()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        return path?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "dot.exe" : "dot"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs dot -T<paramref name="format"/> on <paramref name="dotText"/>, writing <paramref name="outputPath"/>.</summary>
    public static void Render(string dotText, string format, string outputPath)
    {
        string executable = FindDot() ?? throw new UserInputException(MissingMessage);
        var info = new ProcessStartInfo(executable, ["-T" + format, "-o", outputPath])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("dot did not start");
            // Read stderr concurrently with writing stdin, so a chatty dot cannot deadlock on a full pipe.
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(dotText);
            process.StandardInput.Close();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"Graphviz dot failed (exit {process.ExitCode}): {errors.Result.Trim()}");
            }
        }
        catch (Win32Exception e)
        {
            throw new UserInputException($"{MissingMessage} ({e.Message})");
        }
    }
}
