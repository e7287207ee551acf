using System.Diagnostics;
using System.Text.Json;

namespace Backprop.Lab.Cli.Commands;

/// <summary>PyTorch's time per step for one shape and thread count, from bench/pytorch_step.py.</summary>
internal sealed record PyTorchFigure(string Shape, int Threads, double Ms, string Torch, string Blas);

/// <summary>
/// Runs bench/pytorch_step.py (float64 tanh MLP, MSE, one SGD step, the same shapes) in a child process when a
/// python3 with torch is present, so our figures and PyTorch's come from one run on one machine. PyTorch is a
/// measuring stick only: nothing of ours depends on it. OPENBLAS_NUM_THREADS is set to the thread count, and
/// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some images to work around old OpenBLAS builds) are removed for the
/// child alone, so OpenBLAS picks its own kernel for this CPU; the figure names the kernel it ran.
/// </summary>
internal static class BenchPyTorch
{
    /// <summary>The script, looked for next to the current directory and above it, then above the executable.</summary>
    public static string? FindScript(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new UserInputException($"--pytorch-script: no file '{given}'");
        }
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "bench", "pytorch_step.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>A python3 that can import torch (the system one first: Debian's python3-torch installs there), or null.</summary>
    public static string? FindPython()
    {
        foreach (string python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using Process? p = Process.Start(new ProcessStartInfo(python, ["-c", "import torch"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                });
                if (p is null)
                {
                    continue;
                }
                p.WaitForExit();
                if (p.ExitCode == 0)
                {
                    return python;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }
        return null;
    }

    public static PyTorchFigure Run(string python, string script, BenchShape shape, int threads, double seconds, string architecture = "plain")
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[]
        {
            script, "--shape", $"{shape.Name}:{shape.Depth}:{shape.Width}:{shape.Batch}",
            "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--architecture", architecture,
        })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        }
        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using JsonDocument json = JsonDocument.Parse(line);
        JsonElement root = json.RootElement;
        return new PyTorchFigure(shape.Name, threads, root.GetProperty("ms").GetDouble(), root.GetProperty("torch").GetString() ?? "?", root.GetProperty("blas").GetString() ?? "?");
    }
}
