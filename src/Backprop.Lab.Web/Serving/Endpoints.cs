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
/// trial as trials.jsonl records it, every checkpoint, and its <see cref="JacobianView"/>), <c>/api/compare/A/B</c> (two sweeps on shared colour scales, a
/// <see cref="CompareView"/>). Server-sent events: <c>/api/events</c>, an event "change" with
/// {id, version, trials} whenever a folder's trials change, or {id: null} when the set of folders does.
/// </summary>
internal static class Endpoints
{
    public static void Map(WebApplication app, SweepCatalog catalog)
    {
        var views = new ViewCache();
        // Subscribed before any page's event stream: a changed folder's view is computed before the pages hear of it.
        catalog.Changed += folder =>
        {
            foreach (SweepFolder f in folder is null ? catalog.Folders : [folder])
            {
                Warm(views, f);
            }
        };
        foreach (SweepFolder folder in catalog.Folders)
        {
            _ = Task.Run(() => Warm(views, folder));
        }

        app.MapGet("/api/sweeps", () => Results.Json(catalog.Folders.Select(f => SweepSummary.Of(f.Snapshot)).ToArray(), WebJson.Options));

        app.MapGet("/api/sweeps/{id}", (string id, HttpRequest request) =>
        {
            if (catalog.Find(id) is not { } folder)
            {
                return Results.NotFound();
            }
            SweepSnapshot snapshot = folder.Snapshot;
            var filter = request.Query.Where(q => q.Key != "v").ToDictionary(q => q.Key, q => q.Value.Where(v => v is not null).Select(v => v!).ToArray(), StringComparer.Ordinal);
            byte[] body = views.Get(snapshot, filter);
            return Results.Bytes(body, "application/json");
        });

        app.MapGet("/api/sweeps/{id}/trials/{key}", (string id, string key) =>
        {
            if (catalog.Find(id)?.Snapshot is not { } snapshot || snapshot.Trials.FirstOrDefault(t => t.Key == key) is not { } trial)
            {
                return Results.NotFound();
            }
            var axes = Backprop.Core.Experiments.SweepAxes.Varying(snapshot.Trials.Select(t => t.Config));
            return Results.Json(new TrialView(snapshot.Id, snapshot.Name, axes.ToDictionary(a => a, a => Backprop.Core.Experiments.SweepAxes.Value(trial.Config, a)), trial,
                JacobianView.Of(trial)), WebJson.Options);
        });

        app.MapGet("/api/compare/{a}/{b}", (string a, string b) =>
            catalog.Find(a) is { } first && catalog.Find(b) is { } second
                ? Results.Json(CompareView.Of(SweepView.Of(first.Snapshot), SweepView.Of(second.Snapshot)), WebJson.Options)
                : Results.NotFound());

        app.MapGet("/api/events", (HttpContext context) => Events(context, catalog));

        app.MapGet("/", () => Asset(Assets.Index));
        // Every path, files included (the default fallback pattern leaves out paths with a file extension).
        app.MapFallback("{*path}", (HttpContext context) =>
        {
            string path = (context.Request.Path.Value ?? "").TrimStart('/');
            return HttpMethods.IsGet(context.Request.Method) && Assets.Exists(path) ? Asset(path, context) : Results.NotFound();
        });
    }

    private static void Warm(ViewCache views, SweepFolder folder)
    {
        try
        {
            views.Warm(folder);
        }
        catch (Exception e)
        {
            // The request that needs the view computes it again and reports the failure; a warm-up only logs it.
            Serilog.Log.Debug(e, "Could not compute the view of {Folder} ahead of a request", folder.Id);
        }
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

/// <summary>One trial of a served folder, with the values of the axes its sweep varies and what its Jacobian spectrum shows.</summary>
public sealed record TrialView(string Sweep, string SweepName, IReadOnlyDictionary<string, string> Axes, Backprop.Core.Experiments.TrialResult Trial, JacobianView? Jacobian);
