using System.Net;
using Backprop.Core.Experiments;
using Backprop.Lab.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;
using Orleans.Connections.Security;
using System.Net.Security;
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
    public static IHost Embedded(int? trialsAtOnce, MemoryBudget? memoryBudget = null, int? siloPort = null, int? gatewayPort = null)
    {
        HostApplicationBuilder builder = NewBuilder();
        int silo = siloPort ?? Endpoints.FreeLoopbackPort(), gateway = gatewayPort ?? Endpoints.FreeLoopbackPort();
        builder.UseOrleans(s => s
            .UseLocalhostClustering(silo, gateway, serviceId: "backprop-lab", clusterId: $"embedded-{Environment.ProcessId}")
            .AddBackpropLab(trialsAtOnce, memoryBudget: memoryBudget));
        return builder.Build();
    }

    /// <summary>
    /// A standalone silo. With Redis configured, membership and the SweepGrain's state live in Redis, so the cluster
    /// survives losing any silo. Without it, membership is kept by the primary silo (development clustering: the
    /// first one started, whose silo port the others give as <paramref name="primary"/>), and sweep state in memory.
    /// </summary>
    /// <remarks>
    /// With <paramref name="dashboardPort"/>, the silo also serves the Orleans Dashboard (grains, calls, silos) on
    /// http://127.0.0.1:PORT/: loopback only, whatever the silo's address, because the dashboard has no authentication.
    /// </remarks>
    public static IHost Standalone(ClusterSettings settings, IPEndPoint? primary, int? trialsAtOnce, MemoryBudget? memoryBudget = null, int? dashboardPort = null)
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
        X509Certificate2? certificate = settings.LoadTlsCertificate();
        builder.UseOrleans(s =>
        {
            if (dashboardPort is not null)
            {
                s.AddDashboard();
            }
            if (certificate is not null)
            {
                s.UseTls(certificate, o => ClusterTls(o, certificate));
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
                    .AddBackpropLab(trialsAtOnce, memoryBudget: memoryBudget);
            }
            else
            {
                s.UseRedisClustering(o => o.ConfigurationOptions = settings.RedisOptions())
                    .AddRedisGrainStorage(SweepGrain.StorageName, o => o.ConfigurationOptions = settings.RedisOptions())
                    .AddBackpropLab(trialsAtOnce, memoryStorage: false, memoryBudget);
            }
        });
        if (web is null)
        {
            return ((HostApplicationBuilder)builder).Build();
        }
        WebApplication app = web.Build();
        app.MapOrleansDashboard();
        return app;
    }

    /// <summary>A client of running silos: found through Redis membership, or given as gateway endpoints.</summary>
    public static IHost Client(ClusterSettings settings, IReadOnlyList<IPEndPoint> gateways)
    {
        HostApplicationBuilder builder = NewBuilder();
        X509Certificate2? certificate = settings.LoadTlsCertificate();
        builder.UseOrleansClient(c =>
        {
            if (certificate is not null)
            {
                c.UseTls(certificate, o => ClusterTls(o, certificate));
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
    /// certificate (pinned by thumbprint; a self-signed cluster certificate needs no CA) or one that validates fully.
    /// </summary>
    private static void ClusterTls(TlsOptions options, X509Certificate2 certificate)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
        options.RemoteCertificateValidation = (remote, _, errors) =>
            errors == SslPolicyErrors.None || (remote is not null && remote.Thumbprint == certificate.Thumbprint);
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
