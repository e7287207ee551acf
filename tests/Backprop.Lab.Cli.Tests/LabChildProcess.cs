using System.Diagnostics;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// The real <c>lab</c> command in a child process (<c>dotnet lab.dll</c>, built beside these tests), for what cannot run
/// inside the test process: a run under a memory ceiling (<c>DOTNET_GCHeapHardLimit</c>), so that a regression which
/// allocates what it should refuse fails with an out-of-memory error instead of taking the machine's memory.
/// </summary>
internal static class LabChildProcess
{
    /// <summary>Well above any run these tests make; a run that reaches it is killed and reported.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static (int Exit, string Out, string Err) Run(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args) =>
        RunWithInput(environment, workingDirectory, null, args);

    /// <summary>As above, with <paramref name="stdin"/> (when not null) written to the child's standard input, then closed.</summary>
    public static (int Exit, string Out, string Err) RunWithInput(IReadOnlyDictionary<string, string> environment, string workingDirectory, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lab.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // A Redis or cluster setting in the developer's environment must not leak into the child.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("LAB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using Process process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"`lab {string.Join(' ', args)}` did not finish within {Limit.TotalMinutes} minutes:\n{stdout.Result}\n{stderr.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
