using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// The real <c>lab</c> command as a separate process (<c>dotnet lab.dll ...</c>, the build beside these tests), with
/// its output collected, so a test can kill it the way a machine or an operator would.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private LabProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>lab.dll of the same configuration as these tests (the project reference builds it first).</summary>
    public static string LabDll { get; } = FindLabDll();

    /// <summary>
    /// XDG_CONFIG_HOME of every `lab` these tests start (unless a test gives its own): the processes of one test run
    /// share a cluster certificate, as one user's do, and the developer's own ~/.config is left alone.
    /// </summary>
    public static string ConfigHome { get; } = Directory.CreateTempSubdirectory("backprop-test-config-").FullName;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    public static LabProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(LabDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // A Redis or cluster setting in the developer's environment must not leak into a test's processes.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("LAB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key);
        }
        start.Environment["XDG_CONFIG_HOME"] = ConfigHome;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return new LabProcess(Process.Start(start)!);
    }

    /// <summary>Waits for a line of output containing <paramref name="text"/>; fails with the output so far.</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!_output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Thread.Sleep(200); // let the last output lines arrive
                throw new Xunit.Sdk.XunitException($"`lab` ({(_process.HasExited ? $"exited {_process.ExitCode}" : "still running")}) never printed \"{text}\" within {timeout.TotalSeconds} s:\n{Output}");
            }
            Thread.Sleep(100);
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"`lab` did not finish within {timeout.TotalSeconds} s:\n{Output}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, as when a machine is lost.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: asks for a clean stop, as an operator or Kubernetes does.</summary>
    public void Terminate() => Signals.Terminate(_process);

    /// <summary>SIGINT: what Ctrl+C in a terminal sends.</summary>
    public void Interrupt() => Signals.Interrupt(_process);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private static string FindLabDll()
    {
        // tests/<project>/bin/<Configuration>/net10.0/ -> src/Backprop.Lab.Cli/bin/<Configuration>/net10.0/lab.dll
        string configuration = typeof(LabProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Debug";
        string dll = Path.Combine(Repository.Root(), "src", "Backprop.Lab.Cli", "bin", configuration, "net10.0", "lab.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found: build the solution first");
    }
}

/// <summary>POSIX signals .NET does not send by itself.</summary>
public static partial class Signals
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    public static void Terminate(Process process) => Send(process, SigTerm);

    public static void Interrupt(Process process) => Send(process, SigInt);

    private static void Send(Process process, int signal)
    {
        if (kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
