using System.Globalization;

namespace Backprop.Lab.Cli.Results;

/// <summary>
/// The exclusive hold of one run on a results folder, for the whole run: an OS file lock on <c>.lock</c> (flock, which
/// .NET takes for <see cref="FileShare.None"/>), so the kernel releases it when the process dies, however it dies; no
/// marker file is ever left to clean up. Who holds it is written to <c>.lock-owner</c>, read only to name the holder
/// in the refusal; the lock itself is the truth.
/// </summary>
public sealed class ResultsFolderLock : IDisposable
{
    // What .NET reports when the file is locked: on Linux the errno of flock (EWOULDBLOCK, 11), on Windows a
    // sharing violation.
    private const int WouldBlock = 11;
    private const int SharingViolation = unchecked((int)0x80070020);

    private readonly FileStream _lock;

    private ResultsFolderLock(FileStream held) => _lock = held;

    /// <summary>Takes the lock of <paramref name="folder"/> (which must exist), or null when another run holds it.</summary>
    public static ResultsFolderLock? TryAcquire(string folder)
    {
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult is WouldBlock or SharingViolation)
        {
            return null;
        }
        try
        {
            File.WriteAllText(Path.Combine(folder, ".lock-owner"),
                string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {DateTime.UtcNow:O}\n"));
        }
        catch (IOException)
        {
            // A full disk: the lock holds all the same; only a refused run's message is vaguer.
        }
        return new ResultsFolderLock(held);
    }

    /// <summary>Takes the lock of <paramref name="folder"/>, or refuses (exit 2) naming the run that holds it.</summary>
    public static ResultsFolderLock Acquire(string folder) =>
        TryAcquire(folder) ?? throw new UserInputException(
            $"{folder} is in use by another lab run ({Holder(folder) ?? "process unknown"}); wait for it to finish, or choose another --out");

    /// <summary>"pid N, since TIME" from <c>.lock-owner</c>, when it can be read.</summary>
    private static string? Holder(string folder)
    {
        try
        {
            string[] parts = File.ReadAllText(Path.Combine(folder, ".lock-owner")).Split(' ', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 ? $"pid {parts[0]}, since {parts[1]}" : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}
