using System.Collections.Concurrent;
using System.Text.Json;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Folders;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// Serialised sweep views by folder, version and filter: every open page asks for the same view after a change, and
/// the first asker's computation is shared by the others (a <see cref="Lazy{T}"/> per key). <see cref="Warm"/> computes a
/// folder's unfiltered view ahead of the request: at start-up, while the page is still loading plotly.js, and on a
/// change before the pages are told of it, so their request finds it ready.
/// </summary>
internal sealed class ViewCache
{
    private const int MaxCachedViews = 32;

    private readonly ConcurrentDictionary<string, Lazy<byte[]>> _views = new(StringComparer.Ordinal);

    public byte[] Get(SweepSnapshot snapshot, IReadOnlyDictionary<string, string[]> filter)
    {
        string key = Key(snapshot, filter);
        Lazy<byte[]> view = _views.GetOrAdd(key, _ =>
        {
            if (_views.Count > MaxCachedViews)
            {
                _views.Clear();
            }
            return new Lazy<byte[]>(() => JsonSerializer.SerializeToUtf8Bytes(SweepView.Of(snapshot, filter), WebJson.Options));
        });
        try
        {
            return view.Value;
        }
        catch
        {
            // Not kept: the next request computes it again.
            _views.TryRemove(new KeyValuePair<string, Lazy<byte[]>>(key, view));
            throw;
        }
    }

    /// <summary>Whether the view is computed (or being computed) already.</summary>
    public bool Holds(SweepSnapshot snapshot, IReadOnlyDictionary<string, string[]> filter) => _views.ContainsKey(Key(snapshot, filter));

    private static string Key(SweepSnapshot snapshot, IReadOnlyDictionary<string, string[]> filter) =>
        $"{snapshot.Id}\n{snapshot.Version}\n{string.Join("&", filter.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={string.Join(",", f.Value)}"))}";

    /// <summary>Computes the folder's unfiltered view for its current snapshot, unless it is cached.</summary>
    public void Warm(SweepFolder folder) => Get(folder.Snapshot, new Dictionary<string, string[]>(StringComparer.Ordinal));
}
