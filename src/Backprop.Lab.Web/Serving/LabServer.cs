using System.Net;
using Backprop.Lab.Web.Folders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// The web server of <c>lab serve</c> and <c>lab sweep --serve</c>: Kestrel on 127.0.0.1 only, answering requests whose
/// Host names this server by a loopback name (<see cref="HostCheck"/>), serving the embedded pages and the results
/// folders of <see cref="SweepCatalog"/> as JSON (<see cref="Endpoints"/>), with server-sent events when they change.
/// Stopped by disposing it; it never handles Ctrl+C itself (the command does).
/// </summary>
public sealed class LabServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LabServer(WebApplication app, SweepCatalog catalog, int port)
    {
        _app = app;
        Catalog = catalog;
        Port = port;
    }

    public SweepCatalog Catalog { get; }

    public int Port { get; }

    /// <summary>The address to open, http://127.0.0.1:PORT/.</summary>
    public string Url => $"http://127.0.0.1:{Port}/";

    /// <summary>Starts serving <paramref name="roots"/> on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<LabServer> StartAsync(IReadOnlyList<string> roots, int port, CancellationToken cancellation = default)
    {
        var catalog = new SweepCatalog(roots);
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(LabServer).Assembly.GetName().Name });
            builder.Logging.ClearProviders();
            builder.Services.AddSerilog(Log.Logger, dispose: false);
            builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Listen(IPAddress.Loopback, port);
            });
            WebApplication app = builder.Build();
            int actual = port;
            app.Use(async (context, next) =>
            {
                if (!HostCheck.Allowed(context.Request.Host, actual))
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.Response.WriteAsync("this server answers only to 127.0.0.1, localhost or [::1] at its port\n");
                    return;
                }
                context.Response.Headers["X-Content-Type-Options"] = "nosniff";
                context.Response.Headers["Referrer-Policy"] = "no-referrer";
                await next(context);
            });
            Endpoints.Map(app, catalog);
            ExplainEndpoints.Map(app);
            await app.StartAsync(cancellation);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            actual = new Uri(address).Port;
            Log.Information("Serving {Folders} results folders from {Roots} at {Url}", catalog.Folders.Count, roots, address);
            var server = new LabServer(app, catalog, actual);
            _ = Task.Run(server.WarmUpAsync, CancellationToken.None);
            return server;
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asks this server for the sweep view's page, scripts and list once, in the background: the first page a user
    /// opens then finds the request pipeline compiled (just-in-time) instead of paying for it while it loads.
    /// </summary>
    private async Task WarmUpAsync()
    {
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
            foreach (string path in new[] { "", Assets.App, Assets.Plotly, "api/sweeps" })
            {
                using HttpResponseMessage response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ObjectDisposedException)
        {
            // Stopped before it finished: nothing to warm any more.
            Log.Debug(e, "The warm-up requests stopped");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            Catalog.Dispose();
        }
    }

    /// <summary>A host lifetime that leaves Ctrl+C and SIGTERM to the command that started the server.</summary>
    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
