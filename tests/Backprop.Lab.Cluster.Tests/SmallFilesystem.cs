using System.Diagnostics;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// A real filesystem of a fixed, small size (a tmpfs mounted for the test), so a full disk is a full disk, not a
/// simulation; or mounted read-only. Needs root (CI runs as root); <see cref="FilesystemFactAttribute"/> skips otherwise.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private SmallFilesystem(string path) => Path = path;

    public string Path { get; }

    public static SmallFilesystem Mount(string path, int kilobytes, bool readOnly = false)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k{(readOnly ? ",ro" : "")}", "tmpfs", path);
        return new SmallFilesystem(path);
    }

    /// <summary>Fills the filesystem with a file of zeros until only about <paramref name="leaveKilobytes"/> are free.</summary>
    public string Fill(int leaveKilobytes)
    {
        string filler = System.IO.Path.Combine(Path, "filler");
        var drive = new DriveInfo(Path);
        long size = Math.Max(0, drive.AvailableFreeSpace - leaveKilobytes * 1024L);
        using (var stream = new FileStream(filler, FileMode.CreateNew))
        {
            stream.Write(new byte[size]);
        }
        return filler;
    }

    public void Dispose() => Run("umount", "-l", Path);

    /// <summary>Whether this process may mount a filesystem (root).</summary>
    public static bool CanMount { get; } = Environment.UserName == "root" && File.Exists("/bin/mount");

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {error}");
        }
    }
}

/// <summary>A test that mounts a small filesystem: it needs root, and is skipped with that reason elsewhere.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FilesystemFactAttribute : FactAttribute
{
    public FilesystemFactAttribute()
    {
        if (!SmallFilesystem.CanMount)
        {
            Skip = "mounting a small tmpfs needs root (CI runs as root)";
        }
    }
}
