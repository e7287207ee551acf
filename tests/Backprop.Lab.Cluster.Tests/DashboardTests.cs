using System.Globalization;
using System.Text.Json;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>`lab silo --dashboard`: the Orleans Dashboard on loopback, showing the silo and the sweep's grains.</summary>
[Trait("Category", "Slow")]
public sealed class DashboardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task The_dashboard_serves_the_silo_and_the_grains_of_a_sweep_that_ran_on_it()
    {
        int dashboardPort = RedisServer.FreePort(), gatewayPort = RedisServer.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        using LabProcess silo = LabProcess.Start(["silo", "--dashboard", "--dashboard-port", Text(dashboardPort),
            "--silo-port", Text(RedisServer.FreePort()), "--gateway-port", Text(gatewayPort), "--cluster-id", "dashboard-test"]);
        silo.WaitForOutput($"dashboard: http://127.0.0.1:{dashboardPort}/", TimeSpan.FromSeconds(90));

        string sweep = _dir.Write("tiny.json", """
            { "name": "tiny", "base": { "depth": 2, "activation": "tanh", "init": "gaussian", "dataset": "teacher", "samples": 64,
              "batch_size": 8, "steps": 5, "learning_rate": 0.01, "optimizer": "sgd", "record_every": 1, "sigma_w": 1 },
              "grid": { "width": [8, 16] } }
            """);
        using LabProcess client = LabProcess.Start(["sweep", sweep, "--cluster", $"127.0.0.1:{gatewayPort}", "--cluster-id", "dashboard-test",
            "--out", Path.Combine(_dir.Path, "out")]);
        Assert.Equal(0, client.WaitForExit(TimeSpan.FromMinutes(2)));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        string page = await http.GetStringAsync(new Uri("", UriKind.Relative));
        Assert.Contains("<title>Orleans Dashboard</title>", page, StringComparison.Ordinal);

        // The counters are refreshed every second or so: wait until they show the sweep's grains.
        JsonElement counters = default;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            using JsonDocument doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("DashboardCounters", UriKind.Relative)));
            counters = doc.RootElement.Clone();
            await Task.Delay(500);
        }
        while (!GrainTypes(counters).Any(t => t.EndsWith("ExperimentGrain", StringComparison.Ordinal)) && DateTime.UtcNow < deadline);

        JsonElement host = Assert.Single(counters.GetProperty("hosts").EnumerateArray());
        Assert.Equal("Active", host.GetProperty("status").GetString());
        Assert.Equal(gatewayPort, host.GetProperty("proxyPort").GetInt32());
        Assert.Contains(GrainTypes(counters), t => t.EndsWith("ExperimentGrain", StringComparison.Ordinal));
        Assert.Contains(GrainTypes(counters), t => t.EndsWith("SweepGrain", StringComparison.Ordinal));
    }

    private static IEnumerable<string> GrainTypes(JsonElement counters) =>
        counters.ValueKind == JsonValueKind.Object && counters.TryGetProperty("simpleGrainStats", out JsonElement stats)
            ? stats.EnumerateArray().Select(s => s.GetProperty("grainType").GetString() ?? "")
            : [];

    public void Dispose() => _dir.Dispose();
}
