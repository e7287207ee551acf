using System.Net;
using Backprop.Lab.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    public static IHost Embedded(int? trialsAtOnce, int? siloPort = null, int? gatewayPort = null)
    {
        HostApplicationBuilder builder = NewBuilder();
        int silo = siloPort ?? Endpoints.FreeLoopbackPort(), gateway = gatewayPort ?? Endpoints.FreeLoopbackPort();
        builder.UseOrleans(s => s
            .UseLocalhostClustering(silo, gateway, serviceId: "backprop-lab", clusterId: $"embedded-{Environment.ProcessId}")
            .AddBackpropLab(trialsAtOnce));
        return builder.Build();
    }

    /// <summary>
    /// A standalone silo of a development cluster: membership is kept by the primary silo (the first one
    /// started, whose silo port the others give as <paramref name="primary"/>). Binds to <paramref name="address"/>.
    /// </summary>
    public static IHost Standalone(IPAddress address, int siloPort, int gatewayPort, IPEndPoint? primary, string clusterId, string serviceId, int? trialsAtOnce)
    {
        HostApplicationBuilder builder = NewBuilder();
        builder.UseOrleans(s => s
            .UseDevelopmentClustering(primary ?? new IPEndPoint(address, siloPort))
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId))
            .ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: false)
            .AddBackpropLab(trialsAtOnce));
        return builder.Build();
    }

    /// <summary>A client of running silos, given their gateway endpoints.</summary>
    public static IHost Client(IReadOnlyList<IPEndPoint> gateways, string clusterId, string serviceId)
    {
        HostApplicationBuilder builder = NewBuilder();
        builder.UseOrleansClient(c => c
            .UseStaticClustering(gateways.ToArray())
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId)));
        return builder.Build();
    }

    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        // Orleans' own logs go through the same Serilog pipeline as ours (levels set in LabApp).
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        return builder;
    }
}
