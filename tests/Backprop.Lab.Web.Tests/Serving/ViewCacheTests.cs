using System.Text.Json;
using Backprop.Lab.Web.Folders;
using Backprop.Lab.Web.Serving;

namespace Backprop.Lab.Web.Tests.Serving;

public sealed class ViewCacheTests
{
    private static readonly Dictionary<string, string[]> NoFilter = new(StringComparer.Ordinal);

    private static SweepSnapshot Snapshot(long version) => new("s", "s", "/nowhere/s", version, null, [], []);

    [Fact]
    public void A_view_asked_for_again_at_the_same_version_and_filter_is_the_one_computed_before()
    {
        var cache = new ViewCache();
        byte[] first = cache.Get(Snapshot(1), NoFilter);
        Assert.Same(first, cache.Get(Snapshot(1), new Dictionary<string, string[]>(StringComparer.Ordinal)));
    }

    [Fact]
    public void A_new_version_of_the_folder_gets_a_new_view()
    {
        var cache = new ViewCache();
        byte[] first = cache.Get(Snapshot(1), NoFilter);
        byte[] second = cache.Get(Snapshot(2), NoFilter);
        Assert.NotSame(first, second);
        Assert.Equal(2, JsonDocument.Parse(second).RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public void Warming_a_folder_computes_the_unfiltered_view_its_next_request_gets()
    {
        string dir = Directory.CreateTempSubdirectory("backprop-view-cache-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "sweep.json"), "{}");
            var folder = new SweepFolder("s", dir);
            var cache = new ViewCache();
            Assert.False(cache.Holds(folder.Snapshot, NoFilter));
            cache.Warm(folder);
            Assert.True(cache.Holds(folder.Snapshot, NoFilter));
            Assert.False(cache.Holds(folder.Snapshot, new Dictionary<string, string[]>(StringComparer.Ordinal) { ["seed"] = ["1"] }));
            Assert.Equal("s", JsonDocument.Parse(cache.Get(folder.Snapshot, NoFilter)).RootElement.GetProperty("id").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
