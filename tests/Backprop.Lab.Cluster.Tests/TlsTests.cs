using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// Silos and clients talk mutual TLS with a cluster certificate (the user's own by default, or --tls-cert) and refuse
/// peers without it; --insecure on both sides turns it off.
/// </summary>
[Trait("Category", "Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TlsTests : IDisposable
{
    private const string Password = "cert-pw-only-in-env";
    private readonly TempDirectory _dir = new();

    [Fact]
    public void A_tls_silo_serves_a_client_with_the_cluster_certificate_and_refuses_others()
    {
        string cluster = WriteCertificate("cluster.pfx", "backprop-lab"), other = WriteCertificate("other.pfx", "someone-else");
        var env = new Dictionary<string, string> { ["LAB_TLS_PASSWORD"] = Password };
        int gateway = RedisServer.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        using LabProcess silo = LabProcess.Start(["silo", "--tls-cert", cluster, "--silo-port", Text(RedisServer.FreePort()), "--gateway-port", Text(gateway),
            "--cluster-id", "tls-test"], env);
        silo.WaitForOutput(", TLS", TimeSpan.FromSeconds(90));
        string sweep = _dir.Write("tiny.json", """
            { "name": "tiny", "base": { "depth": 2, "activation": "tanh", "init": "gaussian", "dataset": "teacher", "samples": 64,
              "batch_size": 8, "steps": 5, "learning_rate": 0.01, "optimizer": "sgd", "record_every": 1, "sigma_w": 1 },
              "grid": { "width": [8, 16] } }
            """);
        int Sweep(string name, string? certificate)
        {
            string[] args = ["sweep", sweep, "--cluster", $"127.0.0.1:{gateway}", "--cluster-id", "tls-test", "--out", Path.Combine(_dir.Path, name),
                "--connect-timeout", ConnectTimeout(refused: name != "with")];
            using LabProcess client = LabProcess.Start(certificate is null ? args : [.. args, "--tls-cert", certificate], env);
            int exit = client.WaitForExit(TimeSpan.FromMinutes(2));
            if (exit == 5)
            {
                Assert.Contains("could not reach the cluster", client.Output, StringComparison.Ordinal);
            }
            return exit;
        }

        Assert.Equal(0, Sweep("with", cluster));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir.Path, "with", "trials.jsonl")).Length);
        Assert.Equal(5, Sweep("without", null));
        Assert.Equal(5, Sweep("other", other));
        Assert.DoesNotContain(Password, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_a_silo_serves_its_users_clients_and_refuses_another_users()
    {
        // Another user of the machine is another configuration folder, so another cluster certificate.
        var me = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = Path.Combine(_dir.Path, "me") };
        var someoneElse = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = Path.Combine(_dir.Path, "someone-else") };
        int gateway = RedisServer.FreePort();
        using LabProcess silo = LabProcess.Start(SiloArgs(gateway, "default-tls"), me);
        silo.WaitForOutput("silo up:", TimeSpan.FromSeconds(90));
        string certificate = Path.Combine(_dir.Path, "me", "backprop-lab", "cluster.pfx");
        Assert.Contains($"created the cluster certificate {certificate}", silo.Output, StringComparison.Ordinal);
        Assert.Contains(", TLS", silo.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));

        Assert.Equal(5, Sweep(gateway, "default-tls", "theirs", [], someoneElse));
        Assert.Equal(5, Sweep(gateway, "default-tls", "insecure", ["--insecure"], me));
        Assert.Equal(0, Sweep(gateway, "default-tls", "mine", [], me));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir.Path, "mine", "trials.jsonl")).Length);
    }

    [Fact]
    public void With_insecure_on_both_sides_anyone_is_served_and_warned_about()
    {
        var env = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = Path.Combine(_dir.Path, "nobody") };
        int gateway = RedisServer.FreePort();
        using LabProcess silo = LabProcess.Start([.. SiloArgs(gateway, "insecure"), "--insecure"], env);
        silo.WaitForOutput("silo up:", TimeSpan.FromSeconds(90));
        Assert.Contains("warning: --insecure", silo.Output, StringComparison.Ordinal);
        Assert.Contains("INSECURE", silo.Output, StringComparison.Ordinal);
        Assert.Equal(0, Sweep(gateway, "insecure", "anyone", ["--insecure"], env));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "nobody")), "--insecure created a cluster certificate");
    }

    private static string[] SiloArgs(int gateway, string clusterId) =>
        ["silo", "--silo-port", RedisServer.FreePort().ToString(CultureInfo.InvariantCulture), "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture),
            "--cluster-id", clusterId, "--parallel", "1"];

    private int Sweep(int gateway, string clusterId, string name, string[] extra, IReadOnlyDictionary<string, string> env)
    {
        string sweep = Path.Combine(_dir.Path, "tiny.json");
        if (!File.Exists(sweep))
        {
            File.WriteAllText(sweep, TinySweep);
        }
        using LabProcess client = LabProcess.Start(["sweep", sweep, "--cluster", $"127.0.0.1:{gateway}", "--cluster-id", clusterId,
            "--out", Path.Combine(_dir.Path, name), "--connect-timeout", ConnectTimeout(refused: name is "theirs" or "insecure"), .. extra], env);
        int exit = client.WaitForExit(TimeSpan.FromMinutes(2));
        if (exit == 5)
        {
            Assert.Contains("could not reach the cluster", client.Output, StringComparison.Ordinal);
        }
        return exit;
    }

    /// <summary>
    /// A refused client waits this long before it gives up; one that is let in gets time for TLS handshakes on a
    /// loaded machine, since a connection is only ever slow there, never refused.
    /// </summary>
    private static string ConnectTimeout(bool refused) => refused ? "5" : "60";

    private const string TinySweep = """
        { "name": "tiny", "base": { "depth": 2, "activation": "tanh", "init": "gaussian", "dataset": "teacher", "samples": 64,
          "batch_size": 8, "steps": 5, "learning_rate": 0.01, "optimizer": "sgd", "record_every": 1, "sigma_w": 1 },
          "grid": { "width": [8, 16] } }
        """;

    private string WriteCertificate(string name, string subject)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client authentication
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
