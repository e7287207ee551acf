using System.Net;
using System.Security.Cryptography.X509Certificates;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Backprop.Lab.Cli.Tests.Cluster;

/// <summary>
/// The embedded silo of `lab sweep` listens on loopback, which every user of the machine reaches: it admits only a
/// client presenting its own certificate, which lives in the sweep's process alone.
/// </summary>
[Trait("Category", "Slow")]
public sealed class EmbeddedSiloTlsTests
{
    [Fact]
    public async Task The_embedded_silo_refuses_clients_without_its_certificate()
    {
        using X509Certificate2 mine = ClusterCertificate.Ephemeral(), someoneElses = ClusterCertificate.Ephemeral();
        var (silo, settings, gateway) = await StartEmbedded(mine);
        using (silo)
        {
            Assert.False(await Connects(settings, null, gateway));
            Assert.False(await Connects(settings, someoneElses, gateway));
            Assert.True(await Connects(settings, mine, gateway));
            await silo.StopAsync();
        }
    }

    [Fact]
    public async Task With_insecure_on_both_sides_a_client_without_a_certificate_connects()
    {
        var (silo, settings, gateway) = await StartEmbedded(null);
        using (silo)
        {
            Assert.True(await Connects(settings with { Insecure = true }, null, gateway));
            await silo.StopAsync();
        }
    }

    private static async Task<(IHost Silo, ClusterSettings Settings, IPEndPoint Gateway)> StartEmbedded(X509Certificate2? certificate)
    {
        int gatewayPort = Endpoints.FreeLoopbackPort();
        IHost silo = OrleansHosts.Embedded(1, certificate, siloPort: Endpoints.FreeLoopbackPort(), gatewayPort: gatewayPort);
        await silo.StartAsync();
        var settings = new ClusterSettings { ClusterId = $"embedded-{Environment.ProcessId}", ServiceId = "backprop-lab" };
        return (silo, settings, new IPEndPoint(IPAddress.Loopback, gatewayPort));
    }

    /// <summary>Whether a client with <paramref name="certificate"/> (null: no TLS) gets a grain call answered.</summary>
    private static async Task<bool> Connects(ClusterSettings settings, X509Certificate2? certificate, IPEndPoint gateway)
    {
        using IHost client = OrleansHosts.Client(settings, certificate, [gateway]);
        // A refused client never hears back: it is given up on after this long (a connecting one answers within a second).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.StartAsync(timeout.Token);
            IReadOnlyList<TrialLease> leases = await client.Services.GetRequiredService<IClusterClient>().GetGrain<ISweepGrain>("probe").Lease("a test", 1, 0).WaitAsync(timeout.Token);
            Assert.Empty(leases); // answered: a sweep nobody submitted to has nothing to lease
            await client.StopAsync(CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            return false;
        }
    }
}
