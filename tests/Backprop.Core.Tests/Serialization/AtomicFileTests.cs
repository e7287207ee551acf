using Backprop.Core.Serialization;
using Backprop.Tests.Shared;

namespace Backprop.Core.Tests.Serialization;

public sealed class AtomicFileTests : TempDirectory
{
    [Fact]
    public void A_write_replaces_the_file_and_leaves_nothing_else_behind()
    {
        string file = Write("a.txt", "old");
        AtomicFile.WriteText(file, "new");
        Assert.Equal("new", File.ReadAllText(file));
        Assert.Equal([file], Directory.GetFileSystemEntries(Path));
    }

    [Fact]
    public void A_write_that_fails_keeps_the_old_content_and_removes_its_temporary_file()
    {
        string file = Write("a.txt", "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(file, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("the writer failed");
        }));
        Assert.Equal("old", File.ReadAllText(file));
        Assert.Equal([file], Directory.GetFileSystemEntries(Path));
    }

    [Fact]
    public void A_symlink_at_the_target_is_replaced_not_written_through()
    {
        string victim = Write("victim.txt", "precious");
        string link = System.IO.Path.Combine(Path, "link.txt");
        File.CreateSymbolicLink(link, victim);
        AtomicFile.WriteText(link, "new");
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(link));
    }

    [Fact]
    public void Whether_a_path_can_be_written_is_found_out_before_writing()
    {
        Assert.Null(AtomicFile.WhyNotWritable(System.IO.Path.Combine(Path, "new.json")));
        Assert.Empty(Directory.GetFileSystemEntries(Path)); // the probe cleaned up
        Assert.EndsWith("is a folder; give a file name in it", AtomicFile.WhyNotWritable(Path));
        Assert.EndsWith("/missing does not exist", AtomicFile.WhyNotWritable(System.IO.Path.Combine(Path, "missing", "x.json")));
        Assert.StartsWith("cannot create a file in /proc", AtomicFile.WhyNotWritable("/proc/version"));
    }
}
