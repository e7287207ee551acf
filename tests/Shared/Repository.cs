namespace Backprop.Tests.Shared;

/// <summary>Finds the repository root (where Backprop.Lab.sln is), for the shipped experiment and example files.</summary>
public static class Repository
{
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Backprop.Lab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Backprop.Lab.sln not found above the test binaries");
    }
}
