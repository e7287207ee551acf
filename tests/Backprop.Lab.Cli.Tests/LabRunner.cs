namespace Backprop.Lab.Cli.Tests;

/// <summary>Runs the real <c>lab</c> command tree in process and captures what it prints.</summary>
internal static class LabRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = LabApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The repository root (where Backprop.Lab.sln is), for the shipped example files.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Backprop.Lab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Backprop.Lab.sln not found above the test binaries");
    }

    public static string Example(string name) => Path.Combine(RepoRoot(), "experiments", "networks", name);
}
