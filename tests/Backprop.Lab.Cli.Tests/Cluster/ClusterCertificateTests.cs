using System.Security.Cryptography.X509Certificates;
using Backprop.Lab.Cli.Cluster;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests.Cluster;

/// <summary>The user's cluster certificate: created once, owner-only, and never taken from a file others could have touched.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterCertificateTests : TempDirectory
{
    private string At(string user) => System.IO.Path.Combine(Path, user, "backprop-lab", ClusterCertificate.FileName);

    [Fact]
    public void It_is_created_on_first_use_readable_by_its_owner_alone_and_reused_after()
    {
        string path = At("alice");
        using X509Certificate2 first = ClusterCertificate.LoadOrCreate(path, out bool created);
        Assert.True(created);
        Assert.True(first.HasPrivateKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(System.IO.Path.GetDirectoryName(path)!));
        Assert.Single(Directory.GetFiles(System.IO.Path.GetDirectoryName(path)!)); // no temporary file left behind

        using X509Certificate2 again = ClusterCertificate.LoadOrCreate(path, out bool createdAgain);
        Assert.False(createdAgain);
        Assert.Equal(ClusterCertificate.Pin(first), ClusterCertificate.Pin(again));
    }

    [Fact]
    public void Two_users_get_different_certificates()
    {
        using X509Certificate2 alice = ClusterCertificate.LoadOrCreate(At("alice"), out _);
        using X509Certificate2 bob = ClusterCertificate.LoadOrCreate(At("bob"), out _);
        Assert.NotEqual(ClusterCertificate.Pin(alice), ClusterCertificate.Pin(bob));
    }

    [Fact]
    public void A_file_others_may_read_is_refused_with_how_to_fix_it()
    {
        string path = At("alice");
        ClusterCertificate.LoadOrCreate(path, out _).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var refused = Assert.Throws<UserInputException>(() => ClusterCertificate.LoadOrCreate(path, out _));
        Assert.Contains("mode 644", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {path}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_planted_in_its_place_is_neither_followed_nor_written_through()
    {
        string path = At("alice");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        string victim = Write("victim.txt", "precious");
        File.CreateSymbolicLink(path, victim);
        var refused = Assert.Throws<UserInputException>(() => ClusterCertificate.LoadOrCreate(path, out _));
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(victim));

        // A dangling link (to where an attacker would like the key written) is refused the same way, and nothing is created there.
        string target = System.IO.Path.Combine(Path, "stolen.pfx");
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
        Assert.Throws<UserInputException>(() => ClusterCertificate.LoadOrCreate(path, out _));
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Several_creators_at_once_all_end_up_with_the_same_certificate()
    {
        string path = At("alice");
        byte[][] pins = Enumerable.Range(0, 8).AsParallel().Select(i =>
        {
            using X509Certificate2 c = ClusterCertificate.LoadOrCreate(path, out _);
            return ClusterCertificate.Pin(c);
        }).ToArray();
        Assert.All(pins, p => Assert.Equal(pins[0], p));
        Assert.Single(Directory.GetFiles(System.IO.Path.GetDirectoryName(path)!));
    }
}
