namespace Backprop.Lab.Web.Folders;

/// <summary>
/// What the server reads: only plain folders and files, never through a symbolic link, since a link under a served
/// folder can point anywhere on the machine. Requests never name a path: they name a served folder by its id, and a
/// file by one of the fixed names a results folder has.
/// </summary>
internal static class ServedPaths
{
    public static bool IsPlainFile(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && file.LinkTarget is null && !file.Attributes.HasFlag(FileAttributes.ReparsePoint);
    }

    public static bool IsPlainDirectory(string path)
    {
        var folder = new DirectoryInfo(path);
        return folder.Exists && folder.LinkTarget is null && !folder.Attributes.HasFlag(FileAttributes.ReparsePoint);
    }

    /// <summary>A results folder: a plain folder holding sweep.json or trials.jsonl.</summary>
    public static bool IsResultsFolder(string path) =>
        IsPlainDirectory(path)
        && (IsPlainFile(Path.Combine(path, Reports.StoredResults.SweepFileName)) || IsPlainFile(Path.Combine(path, Reports.StoredResults.TrialsFileName)));
}
