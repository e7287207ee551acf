using OpenTelemetry.Metrics;
using System.Net;
using Backprop.Core.Experiments;
using Backprop.Lab.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;
using Orleans.Connections.Security;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.Configuration;
using Serilog;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>The hosts <c>lab</c> runs: the embedded localhost silo, a standalone silo, and a client of a running cluster.</summary>
internal static class OrleansHosts
{
    /// <summary>
    /// An in-process silo on loopback with a co-hosted client: the default of <c>lab sweep</c>. Free ports are
    /// picked unless given, so several runs on one machine never collide.
    /// </summary>
    /// <remarks>
    /// Its ports are on loopback, which other users of the machine reach too, so the silo talks TLS and pins
    /// <paramref name="certificate"/>: by default one that lives only in this process, which no other process can
    /// present; null (--insecure) for none.
    /// </remarks>
    public static IHost Embedded(int? trialsAtOnce, X509Certificate2? certificate, MemoryBudget? memoryBudget = null, int? siloPort = null, int? gatewayPort = null)
    {
        HostApplicationBuilder builder = NewBuilder();
        int silo = siloPort ?? Endpoints.FreeLoopbackPort(), gateway = gatewayPort ?? Endpoints.FreeLoopbackPort();
        builder.UseOrleans(s =>
        {
            if (certificate is not null)
            {
                s.UseTls(certificate, o => ClusterTls(o, certificate, pinOnly: true));
            }
            s.UseLocalhostClustering(silo, gateway, serviceId: "backprop-lab", clusterId: $"embedded-{Environment.ProcessId}")
                .AddBackpropLab(trialsAtOnce, memoryBudget: memoryBudget, beforeTrial: TrialGate.BeforeTrial());
        });
        return builder.Build();
    }

    /// <summary>
    /// A standalone silo. With Redis configured, membership and the SweepGrain's state live in Redis, so the cluster
    /// survives losing any silo. Without it, membership is kept by the primary silo (development clustering: the
    /// first one started, whose silo port the others give as <paramref name="primary"/>), and sweep state in memory.
    /// </summary>
    /// <remarks>
    /// With <paramref name="dashboardPort"/>, the silo also serves the Orleans Dashboard (grains, calls, silos) on
    /// http://127.0.0.1:PORT/: loopback only, whatever the silo's address, and behind <see cref="DashboardGuard"/>, which
    /// asks for <paramref name="dashboardToken"/>, because the dashboard has no authentication of its own.
    /// </remarks>
    public static IHost Standalone(ClusterSettings settings, X509Certificate2? certificate, IPEndPoint? primary, int? trialsAtOnce, MemoryBudget? memoryBudget = null, int? dashboardPort = null, string? dashboardToken = null, MetricsExport? metrics = null)
    {
        WebApplicationBuilder? web = null;
        IHostApplicationBuilder builder;
        if (dashboardPort is null)
        {
            builder = NewBuilder();
        }
        else
        {
            web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            web.Logging.ClearProviders();
            web.WebHost.UseUrls($"http://127.0.0.1:{dashboardPort}");
            Common(web.Services);
            builder = web;
        }
        if (metrics is not null)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics.Configure);
        }
        builder.UseOrleans(s =>
        {
            if (dashboardPort is not null)
            {
                s.AddDashboard();
            }
            if (certificate is not null)
            {
                s.UseTls(certificate, o => ClusterTls(o, certificate, pinOnly: settings.TlsCertificate is null));
            }
            s.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, settings.ServiceId))
                .Configure<ClusterMembershipOptions>(settings.ConfigureMembership);
            if (settings.AdvertisedAddress is null)
            {
                s.ConfigureEndpoints(settings.Address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            }
            else
            {
                s.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = settings.AdvertisedAddress;
                    o.SiloPort = settings.SiloPort;
                    o.GatewayPort = settings.GatewayPort;
                    o.SiloListeningEndpoint = new IPEndPoint(settings.Address, settings.SiloPort);
                    o.GatewayListeningEndpoint = new IPEndPoint(settings.Address, settings.GatewayPort);
                });
            }
            if (settings.Redis is null)
            {
                s.UseDevelopmentClustering(primary ?? new IPEndPoint(settings.AdvertisedAddress ?? settings.Address, settings.SiloPort))
                    .AddBackpropLab(trialsAtOnce, memoryBudget: memoryBudget, beforeTrial: TrialGate.BeforeTrial());
            }
            else
            {
                s.UseRedisClustering(o => o.ConfigurationOptions = settings.RedisOptions())
                    .AddRedisGrainStorage(SweepGrain.StorageName, o =>
                    {
                        o.ConfigurationOptions = settings.RedisOptions();
                        // The client deletes a sweep's state once it has every result (ISweepGrain.Release); a client
                        // that never comes back leaves it to expire. Each write renews the expiry, so only a sweep
                        // unchanged for that long loses its state, and its client (if any) submits the unsaved trials again.
                        o.DeleteStateOnClear = true;
                        o.EntryExpiry = SweepStateExpiry;
                    })
                    .AddBackpropLab(trialsAtOnce, memoryStorage: false, memoryBudget, TrialGate.BeforeTrial());
            }
        });
        if (web is null || dashboardPort is not int port)
        {
            return ((HostApplicationBuilder)builder).Build();
        }
        WebApplication app = web.Build();
        var guard = new DashboardGuard(port, dashboardToken ?? throw new ArgumentNullException(nameof(dashboardToken)));
        app.Use(guard.InvokeAsync);
        app.MapOrleansDashboard();
        return app;
    }

    /// <summary>How long Redis keeps the state of a sweep nobody changes or releases.</summary>
    public static readonly TimeSpan SweepStateExpiry = TimeSpan.FromDays(7);

    /// <summary>A client of running silos: found through Redis membership, or given as gateway endpoints.</summary>
    public static IHost Client(ClusterSettings settings, X509Certificate2? certificate, IReadOnlyList<IPEndPoint> gateways)
    {
        HostApplicationBuilder builder = NewBuilder();
        builder.UseOrleansClient(c =>
        {
            if (certificate is not null)
            {
                c.UseTls(certificate, o => ClusterTls(o, certificate, pinOnly: settings.TlsCertificate is null));
            }
            c.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, settings.ServiceId));
            if (settings.Redis is not null)
            {
                c.UseRedisClustering(o => o.ConfigurationOptions = settings.RedisOptions());
            }
            else
            {
                c.UseStaticClustering(gateways.ToArray());
            }
        });
        return builder.Build();
    }

    /// <summary>
    /// Mutual TLS with a cluster certificate: both ends present it, and a peer is accepted when it presents this very
    /// certificate (pinned by its SHA-256; a self-signed cluster certificate needs no CA), or, for a certificate given
    /// with --tls-cert (not <paramref name="pinOnly"/>), one that validates fully against the system's trusted CAs.
    /// </summary>
    private static void ClusterTls(TlsOptions options, X509Certificate2 certificate, bool pinOnly)
    {
        byte[] pin = ClusterCertificate.Pin(certificate);
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
        options.RemoteCertificateValidation = (remote, _, errors) =>
            (remote is not null && CryptographicOperations.FixedTimeEquals(ClusterCertificate.Pin(remote), pin))
            || (!pinOnly && errors == SslPolicyErrors.None);
    }

    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        Common(builder.Services);
        return builder;
    }

    private static void Common(IServiceCollection services)
    {
        // Orleans' own logs go through the same Serilog pipeline as ours (levels set in LabApp).
        services.AddSerilog(Log.Logger, dispose: false);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
    }
}
