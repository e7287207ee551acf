using System.Security.Cryptography;
using System.Text;

namespace Backprop.Core.Serialization;

/// <summary>
/// Writes files so that a reader (or a crash) sees the old content or the new one, never half of either: the content
/// goes to a temporary file beside the target, which is flushed to disk and then renamed over the target. The temporary
/// file has an unpredictable name (".NAME.RANDOM.tmp") and is created exclusively (<see cref="FileMode.CreateNew"/>,
/// O_CREAT | O_EXCL), which fails on anything already at that name, a symbolic link included: a link planted there
/// cannot redirect the write to another file. A write that fails removes its temporary file.
/// </summary>
public static class AtomicFile
{
    private const int Attempts = 8;

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Writes what <paramref name="write"/> puts in the stream to <paramref name="path"/>, replacing it at once.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        (FileStream stream, string temporary) = CreateTemporary(full);
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be written, or null when it can: a folder is there, its folder does not exist, or
    /// no file can be created in that folder (found by creating and removing a temporary file there, so permissions,
    /// read-only mounts and pseudo-file systems all answer for themselves).
    /// </summary>
    public static string? WhyNotWritable(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return $"{full} is a folder; give a file name in it";
        }
        string folder = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(folder))
        {
            return $"the folder {folder} does not exist";
        }
        try
        {
            (FileStream stream, string temporary) = CreateTemporary(full);
            stream.Dispose();
            File.Delete(temporary);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot create a file in {folder} ({e.Message.TrimEnd('.')})";
        }
    }

    private static (FileStream Stream, string Path) CreateTemporary(string full)
    {
        string folder = Path.GetDirectoryName(full) ?? throw new IOException($"{full} has no folder");
        for (int attempt = 1; ; attempt++)
        {
            string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
            try
            {
                return (new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None), temporary);
            }
            catch (IOException) when (attempt < Attempts && (File.Exists(temporary) || IsLink(temporary)))
            {
                // Something is already there (by chance, or planted): another random name.
            }
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
