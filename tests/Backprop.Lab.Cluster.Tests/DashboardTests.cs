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
    public async Task The_dashboard_serves_the_silo_and_the_grains_of_a_sweep_running_on_it()
    {
        int dashboardPort = RedisServer.FreePort(), gatewayPort = RedisServer.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        // The trials wait at a gate, leased, until the dashboard has shown their grains.
        var gate = new Backprop.Lab.Cli.Cluster.TrialGate(Path.Combine(_dir.Path, "gate"));
        Directory.CreateDirectory(gate.Directory);
        using LabProcess silo = LabProcess.Start(["silo", "--dashboard", "--dashboard-port", Text(dashboardPort),
            "--silo-port", Text(RedisServer.FreePort()), "--gateway-port", Text(gatewayPort), "--cluster-id", "dashboard-test"],
            new Dictionary<string, string> { [Backprop.Lab.Cli.Cluster.TrialGate.EnvironmentVariable] = gate.Directory });
        silo.WaitForOutput($"dashboard: http://127.0.0.1:{dashboardPort}/?token=", TimeSpan.FromSeconds(90));
        Uri url = DashboardUrl(silo, dashboardPort);

        string sweep = _dir.Write("tiny.json", """
            { "name": "tiny", "base": { "depth": 2, "activation": "tanh", "init": "gaussian", "dataset": "teacher", "samples": 64,
              "batch_size": 8, "steps": 5, "learning_rate": 0.01, "optimizer": "sgd", "record_every": 1, "sigma_w": 1 },
              "grid": { "width": [8, 16] } }
            """);
        using LabProcess client = LabProcess.Start(["sweep", sweep, "--cluster", $"127.0.0.1:{gatewayPort}", "--cluster-id", "dashboard-test",
            "--out", Path.Combine(_dir.Path, "out")]);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        string page = await http.GetStringAsync(url); // the token, then the cookie it sets
        Assert.Contains("<title>Orleans Dashboard</title>", page, StringComparison.Ordinal);

        // The counters are refreshed every second or so: wait until they show the sweep's grains, its aggregator and the
        // leased trials' ExperimentGrains.
        JsonElement counters = default;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            using JsonDocument doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("DashboardCounters", UriKind.Relative)));
            counters = doc.RootElement.Clone();
            await Task.Delay(500);
        }
        while (!(GrainTypes(counters).Any(t => t.EndsWith("ExperimentGrain", StringComparison.Ordinal))
            && GrainTypes(counters).Any(t => t.EndsWith("SweepGrain", StringComparison.Ordinal))) && DateTime.UtcNow < deadline);

        JsonElement host = Assert.Single(counters.GetProperty("hosts").EnumerateArray());
        Assert.Equal("Active", host.GetProperty("status").GetString());
        Assert.Equal(gatewayPort, host.GetProperty("proxyPort").GetInt32());
        Assert.Contains(GrainTypes(counters), t => t.EndsWith("ExperimentGrain", StringComparison.Ordinal));
        Assert.Contains(GrainTypes(counters), t => t.EndsWith("SweepGrain", StringComparison.Ordinal));

        File.WriteAllText(Path.Combine(gate.Directory, "1"), "");
        File.WriteAllText(Path.Combine(gate.Directory, "2"), "");
        Assert.Equal(0, client.WaitForExit(TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task The_dashboard_answers_only_its_own_host_name_and_only_with_the_printed_token()
    {
        int dashboardPort = RedisServer.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        using LabProcess silo = LabProcess.Start(["silo", "--dashboard", "--dashboard-port", Text(dashboardPort),
            "--silo-port", Text(RedisServer.FreePort()), "--gateway-port", Text(RedisServer.FreePort()), "--cluster-id", "dashboard-guard", "--insecure"]);
        silo.WaitForOutput($"dashboard: http://127.0.0.1:{dashboardPort}/?token=", TimeSpan.FromSeconds(90));
        Uri url = DashboardUrl(silo, dashboardPort);
        string token = url.Query["?token=".Length..];
        Assert.Equal(43, token.Length); // 32 bytes in URL-safe base64

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        async Task<HttpResponseMessage> Get(string pathAndQuery, string? host = null, string? cookie = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{dashboardPort}{pathAndQuery}"));
            if (host is not null)
            {
                request.Headers.Host = host;
            }
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }
            return await http.SendAsync(request);
        }

        // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own host name, with the right token or not.
        using (HttpResponseMessage rebound = await Get($"/?token={token}", host: $"evil.example:{dashboardPort}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.MisdirectedRequest, rebound.StatusCode);
        }
        using (HttpResponseMessage none = await Get("/"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, none.StatusCode);
        }
        using (HttpResponseMessage log = await Get("/DashboardCounters"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, log.StatusCode);
        }
        using (HttpResponseMessage wrong = await Get($"/?token={new string('A', token.Length)}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        string cookie;
        using (HttpResponseMessage first = await Get($"/?token={token}", host: $"localhost:{dashboardPort}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, first.StatusCode);
            Assert.Equal("/", first.Headers.Location?.OriginalString);
            string setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
            cookie = setCookie.Split(';')[0];
        }
        using (HttpResponseMessage page = await Get("/", cookie: cookie))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (HttpResponseMessage counters = await Get("/DashboardCounters", host: $"[::1]:{dashboardPort}", cookie: cookie))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, counters.StatusCode);
        }
    }

    /// <summary>The URL the silo printed after "dashboard: ".</summary>
    private static Uri DashboardUrl(LabProcess silo, int port) =>
        new(silo.Output.Split('\n').Single(l => l.StartsWith($"dashboard: http://127.0.0.1:{port}/", StringComparison.Ordinal))["dashboard: ".Length..].Trim());

    private static IEnumerable<string> GrainTypes(JsonElement counters) =>
        counters.ValueKind == JsonValueKind.Object && counters.TryGetProperty("simpleGrainStats", out JsonElement stats)
            ? stats.EnumerateArray().Select(s => s.GetProperty("grainType").GetString() ?? "")
            : [];

    public void Dispose() => _dir.Dispose();
}
