using System.Text.RegularExpressions;

namespace Backprop.Lab.Web.Tests.Explain;

/// <summary>What the real <c>lab explain</c> command prints, run in-process through the CLI's entry point.</summary>
internal static partial class LabExplain
{
    public static List<string> Lines(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Cli.LabApp.Run(["explain", .. args], stdout, stderr);
        Assert.True(exit == 0, $"lab explain exited {exit}: {stderr}");
        return stdout.ToString().Split('\n').Select(Normal).ToList();
    }

    /// <summary>A line without its indentation and column padding (runs of spaces become one).</summary>
    public static string Normal(string line) => Spaces().Replace(line.Trim(), " ");

    [GeneratedRegex(" {2,}")]
    private static partial Regex Spaces();
}
