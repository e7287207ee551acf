using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Folders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// What the server answers. Pages: <c>/</c> and the embedded assets by exact name. JSON (<see cref="WebJson"/>):
/// <c>/api/sweeps</c> (the served folders), <c>/api/sweeps/ID</c> (a <see cref="SweepView"/>; query parameters named
/// after swept axes filter, e.g. <c>?activation=tanh&amp;seed=1&amp;seed=2</c>), <c>/api/sweeps/ID/trials/KEY</c> (one
/// trial as trials.jsonl records it, every checkpoint). Server-sent events: <c>/api/events</c>, an event "change" with
/// {id, version, trials} whenever a folder's trials change, or {id: null} when the set of folders does.
/// </summary>
internal static class Endpoints
{
    private const int MaxCachedViews = 32;

    public static void Map(WebApplication app, SweepCatalog catalog)
    {
        // Serialised views by folder, version and filter: every open page asks for the same view after a change.
        var views = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);

        app.MapGet("/api/sweeps", () => Results.Json(catalog.Folders.Select(f => SweepSummary.Of(f.Snapshot)).ToArray(), WebJson.Options));

        app.MapGet("/api/sweeps/{id}", (string id, HttpRequest request) =>
        {
            if (catalog.Find(id) is not { } folder)
            {
                return Results.NotFound();
            }
            SweepSnapshot snapshot = folder.Snapshot;
            var filter = request.Query.Where(q => q.Key != "v").ToDictionary(q => q.Key, q => q.Value.Where(v => v is not null).Select(v => v!).ToArray(), StringComparer.Ordinal);
            string cacheKey = $"{id}\n{snapshot.Version}\n{string.Join("&", filter.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={string.Join(",", f.Value)}"))}";
            byte[] body = views.GetOrAdd(cacheKey, _ =>
            {
                if (views.Count > MaxCachedViews)
                {
                    views.Clear();
                }
                return JsonSerializer.SerializeToUtf8Bytes(SweepView.Of(snapshot, filter), WebJson.Options);
            });
            return Results.Bytes(body, "application/json");
        });

        app.MapGet("/api/sweeps/{id}/trials/{key}", (string id, string key) =>
        {
            if (catalog.Find(id)?.Snapshot is not { } snapshot || snapshot.Trials.FirstOrDefault(t => t.Key == key) is not { } trial)
            {
                return Results.NotFound();
            }
            var axes = Backprop.Core.Experiments.SweepAxes.Varying(snapshot.Trials.Select(t => t.Config));
            return Results.Json(new TrialView(snapshot.Id, snapshot.Name, axes.ToDictionary(a => a, a => Backprop.Core.Experiments.SweepAxes.Value(trial.Config, a)), trial), WebJson.Options);
        });

        app.MapGet("/api/events", (HttpContext context) => Events(context, catalog));

        app.MapGet("/", () => Asset(Assets.Index));
        // Every path, files included (the default fallback pattern leaves out paths with a file extension).
        app.MapFallback("{*path}", (HttpContext context) =>
        {
            string path = (context.Request.Path.Value ?? "").TrimStart('/');
            return HttpMethods.IsGet(context.Request.Method) && Assets.Exists(path) ? Asset(path, context) : Results.NotFound();
        });
    }

    private static IResult Asset(string path, HttpContext? context = null)
    {
        // A vendored library's path names its version, so a browser may keep it; the pages themselves are always asked for again.
        context?.Response.Headers.CacheControl = path.StartsWith("vendor/", StringComparison.Ordinal) ? "public, max-age=31536000, immutable" : "no-cache";
        return Results.Stream(Assets.Open(path), Assets.ContentType(path));
    }

    private static async Task Events(HttpContext context, SweepCatalog catalog)
    {
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var changes = Channel.CreateBounded<SweepFolder?>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnChange(SweepFolder? folder) => changes.Writer.TryWrite(folder);
        catalog.Changed += OnChange;
        try
        {
            CancellationToken closed = context.RequestAborted;
            await response.WriteAsync("retry: 1000\nevent: hello\ndata: {}\n\n", closed);
            await response.Body.FlushAsync(closed);
            while (!closed.IsCancellationRequested)
            {
                using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(closed);
                heartbeat.CancelAfter(TimeSpan.FromSeconds(15));
                bool ready;
                try
                {
                    ready = await changes.Reader.WaitToReadAsync(heartbeat.Token);
                }
                catch (OperationCanceledException) when (!closed.IsCancellationRequested)
                {
                    // A comment line now and then, so a connection that died is noticed and closed.
                    await response.WriteAsync(": idle\n\n", closed);
                    await response.Body.FlushAsync(closed);
                    continue;
                }
                if (!ready)
                {
                    break;
                }
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (changes.Reader.TryRead(out SweepFolder? folder))
                {
                    // A burst of appends is one event per folder: a page fetches the newest state once.
                    if (!seen.Add(folder?.Id ?? "\n"))
                    {
                        continue;
                    }
                    SweepSnapshot? s = folder?.Snapshot;
                    string data = JsonSerializer.Serialize(new ChangeEvent(s?.Id, s?.Version ?? catalog.Version, s?.Trials.Count ?? catalog.Folders.Count), WebJson.Options);
                    await response.WriteAsync($"event: change\ndata: {data}\n\n", closed);
                }
                await response.Body.FlushAsync(closed);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
        finally
        {
            catalog.Changed -= OnChange;
        }
    }

    private sealed record ChangeEvent(string? Id, long Version, int Trials);
}

/// <summary>One trial of a served folder, with the values of the axes its sweep varies.</summary>
public sealed record TrialView(string Sweep, string SweepName, IReadOnlyDictionary<string, string> Axes, Backprop.Core.Experiments.TrialResult Trial);
