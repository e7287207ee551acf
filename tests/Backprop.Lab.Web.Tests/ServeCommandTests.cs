using System.Diagnostics;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Web.Tests;

/// <summary><c>lab serve</c> as a user runs it: a child process, stopped with Ctrl+C (SIGINT).</summary>
[Trait("Category", "Slow")]
public sealed class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Serve_prints_its_loopback_address_answers_there_and_stops_quietly_on_ctrl_c()
    {
        string folder = Path.Combine(_dir.Path, "results", "one");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "sweep.json"), "{\"name\": \"one\"}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "lab.dll"), "serve", "--port", "0" })
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal($"serving 1 results folder from {Path.Combine(_dir.Path, "results")}", await process.StandardOutput.ReadLineAsync());
            string? open = await process.StandardOutput.ReadLineAsync();
            Assert.Matches(@"^open http://127\.0\.0\.1:\d+/ \(Ctrl\+C to stop\)$", open);
            string url = open!.Split(' ')[1];
            using var client = new HttpClient();
            Assert.Contains("\"id\":\"one\"", await client.GetStringAsync(url + "api/sweeps"));

            using (Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(limit.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", await stderr);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Serve_refuses_a_folder_that_does_not_exist_with_one_message()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Cli.LabApp.Run(["serve", Path.Combine(_dir.Path, "missing")], stdout, stderr);
        Assert.Equal(Cli.ExitCodes.BadInput, exit);
        Assert.Equal($"error: {Path.Combine(_dir.Path, "missing")} does not exist; give a folder of results folders (such as results/) or a results folder\n", stderr.ToString());
    }

    public void Dispose() => _dir.Dispose();
}
