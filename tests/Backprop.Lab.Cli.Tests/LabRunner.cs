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

    public static string Example(string name) => Path.Combine(Backprop.Tests.Shared.Repository.Root(), "experiments", "networks", name);
}
