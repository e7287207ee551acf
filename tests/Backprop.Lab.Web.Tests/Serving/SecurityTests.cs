using System.Net;
using System.Net.Sockets;
using System.Text;
using Backprop.Core.Experiments;
using Backprop.Lab.Web.Serving;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Web.Tests.Serving;

/// <summary>
/// The server over a results folder, with a secret beside it: outside the served folder, behind a symbolic link to a
/// folder, and behind a symbolic link to a file inside a served folder. Requests are sent byte for byte (no client
/// normalising "..") with encoded and plain traversal, absolute paths and foreign Host headers.
/// </summary>
public sealed class SecurityTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "TOP-SECRET-7f3a";
    private readonly TempDirectory _dir = new();
    private LabServer? _server;

    private LabServer Server => _server!;

    public async Task InitializeAsync()
    {
        string results = Path.Combine(_dir.Path, "results");
        string line = ResultFormat.ToJsonLine(new TrialResult("k1", new TrialConfig { Activation = "tanh", Depth = 2, Width = 4 }, Outcome.Ok, null, 0.5, null, [], 0.1, null));
        Directory.CreateDirectory(Path.Combine(results, "plain"));
        File.WriteAllText(Path.Combine(results, "plain", "sweep.json"), "{\"name\": \"plain\"}");
        File.WriteAllText(Path.Combine(results, "plain", "trials.jsonl"), line + "\n");
        _dir.Write("secret.txt", Secret);
        // A results folder outside the served one, linked in; and a served folder whose sweep.json links out.
        Directory.CreateDirectory(Path.Combine(_dir.Path, "outside"));
        File.WriteAllText(Path.Combine(_dir.Path, "outside", "sweep.json"), $"{{\"name\": \"{Secret}\"}}");
        File.WriteAllText(Path.Combine(_dir.Path, "outside", "trials.jsonl"), line + "\n");
        Directory.CreateSymbolicLink(Path.Combine(results, "linked"), Path.Combine(_dir.Path, "outside"));
        Directory.CreateDirectory(Path.Combine(results, "mixed"));
        File.WriteAllText(Path.Combine(results, "mixed", "trials.jsonl"), line + "\n");
        File.CreateSymbolicLink(Path.Combine(results, "mixed", "sweep.json"), Path.Combine(_dir.Path, "secret.txt"));
        _server = await LabServer.StartAsync([results], 0);
    }

    [Theory]
    [InlineData("127.0.0.1:{0}")]
    [InlineData("localhost:{0}")]
    [InlineData("LOCALHOST:{0}")]
    [InlineData("[::1]:{0}")]
    public async Task A_loopback_host_at_the_servers_port_is_answered(string host)
    {
        var (status, _) = await Raw("/api/sweeps", string.Format(System.Globalization.CultureInfo.InvariantCulture, host, Server.Port));
        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("evil.example:{0}")]
    [InlineData("127.0.0.1.evil.example:{0}")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:{1}")]
    [InlineData("")]
    public async Task Any_other_host_is_refused(string host)
    {
        var (status, body) = await Raw("/api/sweeps", string.Format(System.Globalization.CultureInfo.InvariantCulture, host, Server.Port, Server.Port + 1));
        Assert.Equal(400, status);
        Assert.DoesNotContain("plain", body);
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/..%2Fsecret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2e%2e%2fsecret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("/vendor/../../secret.txt")]
    [InlineData("/vendor/..%2f..%2fsecret.txt")]
    [InlineData("/api/sweeps/..%2f..%2fsecret.txt")]
    [InlineData("/api/sweeps/..")]
    [InlineData("/api/sweeps/%2e%2e")]
    [InlineData("/api/sweeps/plain/trials/..%2f..%2f..%2fsecret.txt")]
    [InlineData("/plain/sweep.json")]
    [InlineData("/results/plain/trials.jsonl")]
    [InlineData("/api/sweeps/linked")]
    [InlineData("{secret}")]
    [InlineData("/{secret}")]
    [InlineData("/api/sweeps/{secret-encoded}")]
    public async Task Nothing_outside_the_served_folders_can_be_read(string path)
    {
        string secretPath = Path.Combine(_dir.Path, "secret.txt");
        path = path.Replace("{secret-encoded}", Uri.EscapeDataString(secretPath), StringComparison.Ordinal).Replace("{secret}", secretPath, StringComparison.Ordinal);
        var (status, body) = await Raw(path, $"127.0.0.1:{Server.Port}");
        Assert.True(status is 400 or 404, $"{path}: {status}");
        Assert.DoesNotContain(Secret, body);
    }

    [Fact]
    public async Task A_folder_linked_in_from_outside_is_not_served_and_a_linked_sweep_file_is_not_read()
    {
        var (status, list) = await Raw("/api/sweeps", $"127.0.0.1:{Server.Port}");
        Assert.Equal(200, status);
        Assert.Contains("\"plain\"", list);
        Assert.Contains("\"mixed\"", list);
        Assert.DoesNotContain("linked", list);
        Assert.DoesNotContain(Secret, list);

        var (mixedStatus, mixed) = await Raw("/api/sweeps/mixed", $"127.0.0.1:{Server.Port}");
        Assert.Equal(200, mixedStatus);
        Assert.Contains("\"sweep_text\":null", mixed);
        Assert.DoesNotContain(Secret, mixed);
    }

    [Fact]
    public void The_server_listens_on_the_loopback_address_only()
    {
        string? other = Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString();
        Assert.Equal($"http://127.0.0.1:{Server.Port}/", Server.Url);
        if (other is not null)
        {
            using var client = new TcpClient();
            Assert.ThrowsAny<SocketException>(() => client.Connect(IPAddress.Parse(other), Server.Port));
        }
    }

    /// <summary>One HTTP/1.1 request sent as these bytes: the path exactly as given, the Host header as given (none when empty).</summary>
    private async Task<(int Status, string Body)> Raw(string path, string host)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Server.Port);
        await using NetworkStream stream = client.GetStream();
        string request = $"GET {path} HTTP/1.1\r\n" + (host.Length > 0 ? $"Host: {host}\r\n" : "") + "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync();
        int status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();
}
