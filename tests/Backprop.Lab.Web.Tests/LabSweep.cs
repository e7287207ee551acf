using Backprop.Core.Experiments;
using Backprop.Lab.Cli;

namespace Backprop.Lab.Web.Tests;

/// <summary>Real results folders for the tests, made by the real <c>lab sweep --in-process</c> (which also renders the report).</summary>
public static class LabSweep
{
    /// <summary>
    /// Writes <paramref name="text"/> as NAME.sweep in <paramref name="root"/> and runs it into <paramref name="folder"/>;
    /// returns the trials as trials.jsonl holds them, read with the results format alone.
    /// </summary>
    public static IReadOnlyList<TrialResult> Run(string root, string name, string text, string folder)
    {
        string file = Path.Combine(root, name + ".sweep");
        File.WriteAllText(file, text);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = LabApp.Run(["sweep", file, "--out", folder, "--in-process", "--parallel", "2"], stdout, stderr);
        if (exit != ExitCodes.Ok)
        {
            throw new InvalidOperationException($"lab sweep exited {exit}:\n{stdout}\n{stderr}");
        }
        return File.ReadAllLines(Path.Combine(folder, "trials.jsonl")).Select(l => ResultFormat.FromJsonLine(l, out _)!).ToArray();
    }
}
