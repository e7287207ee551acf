using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>`--tls-cert`: silos and clients talk mutual TLS with a cluster certificate and refuse peers without it.</summary>
[Trait("Category", "Slow")]
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
            string[] args = ["sweep", sweep, "--cluster", $"127.0.0.1:{gateway}", "--cluster-id", "tls-test", "--out", Path.Combine(_dir.Path, name), "--connect-timeout", "5"];
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
