using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Backprop.Lab.Web.Tests.Bench;

/// <summary>A <c>lab</c> build (its lab.dll) run as a child process, as a user runs it: <c>lab serve</c> and <c>lab report</c>.</summary>
internal sealed partial class ServedLab(string label, string dll)
{
    public string Label { get; } = label;

    public string Dll { get; } = dll;

    /// <summary>Runs <c>lab ARGS</c> to its end; the exit code and what it printed.</summary>
    public (int Exit, string Output) Run(params string[] args)
    {
        using Process process = Process.Start(Start(args))!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Starts <c>lab serve ROOT --port 0</c> and returns the process with the address it printed.</summary>
    public async Task<(Process Process, string Url)> ServeAsync(string root)
    {
        Process process = Process.Start(Start(["serve", root, "--port", "0"]))!;
        _ = process.StandardError.ReadToEndAsync();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (OpenLine().Match(line) is { Success: true } m)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return (process, m.Groups[1].Value);
            }
        }
        throw new InvalidOperationException($"{Label}: lab serve ended without printing its address");
    }

    private ProcessStartInfo Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("LAB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key);
        }
        return start;
    }

    [GeneratedRegex(@"open (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex OpenLine();
}
