using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// deploy/local-cluster.sh as a user runs it: real redis-server and `lab silo` processes on free loopback ports,
/// with its state in a temporary folder and the lab.dll beside these tests (LAB_DLL, so it does not rebuild).
/// </summary>
[Trait("Category", "Slow")]
public sealed class LocalClusterScriptTests : IDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(4);

    private readonly TempDirectory _temp = new();
    private readonly string _clusterDir;
    private readonly int _redisPort;
    private readonly int _siloPortBase;
    private readonly int _gatewayPortBase;
    private readonly HashSet<int> _seenPids = [];

    public LocalClusterScriptTests()
    {
        _clusterDir = Path.Combine(_temp.Path, "cluster");
        var taken = new HashSet<int>();
        _redisPort = FreePorts(1, taken);
        _siloPortBase = FreePorts(2, taken);
        _gatewayPortBase = FreePorts(2, taken);
    }

    [RedisFact]
    public void UpRunsASweepOnItsSilosAndDownStopsEverything()
    {
        var (code, output) = Script(null, "up", "2");
        Assert.True(code == 0, $"up 2 exited {code}:\n{output}");
        Assert.Contains($"sweep {Path.Combine(Repository.Root(), "experiments", "quickstart.json")} --redis 127.0.0.1:{_redisPort}", output, StringComparison.Ordinal);
        Dictionary<string, int> pids = PidFiles();
        Assert.Equal(new[] { "redis", "silo-0", "silo-1" }, pids.Keys.Order(StringComparer.Ordinal));
        Assert.All(pids, p => Assert.True(Running(p.Value), $"{p.Key} (pid {p.Value}) is not running after up"));
        var (statusCode, status) = Script(null, "status");
        Assert.True(statusCode == 0, $"status exited {statusCode}:\n{status}");
        Assert.Contains($"gateway 127.0.0.1:{_gatewayPortBase + 1}  running", status, StringComparison.Ordinal);

        string sweepFile = _temp.Write("tiny.json", """
            {"name":"tiny","base":{"width":8,"depth":2,"activation":"tanh","init":"gaussian","dataset":"teacher","samples":64,
             "batch_size":8,"steps":5,"learning_rate":0.01,"optimizer":"sgd","record_every":1,"sigma_w":1},
             "grid":{"width":[8,16,24]}}
            """);
        string results = Path.Combine(_temp.Path, "results");
        using (LabProcess sweep = LabProcess.Start(["sweep", sweepFile, "--redis", $"127.0.0.1:{_redisPort}", "--out", results]))
        {
            Assert.True(sweep.WaitForExit(TimeSpan.FromMinutes(5)) == 0, $"lab sweep on the local cluster failed:\n{sweep.Output}");
            Assert.Contains($"on the cluster in Redis 127.0.0.1:{_redisPort}", sweep.Output, StringComparison.Ordinal);
        }
        string[] keys = File.ReadAllLines(Path.Combine(results, "trials.jsonl")).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!).ToArray();
        Assert.Equal(3, keys.Length);
        Assert.Equal(3, keys.Distinct(StringComparer.Ordinal).Count());
        // The silos trained them (their --log files in the state folder), not some embedded silo.
        HashSet<string> trainedBySilos = SiloLogFinishedTrials();
        Assert.All(keys, k => Assert.Contains(k, trainedBySilos));

        var (downCode, down) = Script(null, "down");
        Assert.True(downCode == 0, $"down exited {downCode}:\n{down}");
        Assert.All(pids, p => Assert.False(Running(p.Value), $"{p.Key} (pid {p.Value}) still runs after down"));
        Assert.Empty(PidFiles());
        Assert.All(ClusterPorts(2), p => Assert.False(Listening(p), $"port {p} still accepts connections after down"));
    }

    [RedisFact]
    public void UpRefusesWhileTheClusterIsUpAndLeavesItRunning()
    {
        var (code, output) = Script(null, "up", "1");
        Assert.True(code == 0, $"up 1 exited {code}:\n{output}");
        Dictionary<string, int> pids = PidFiles();

        var (again, message) = Script(null, "up", "1");
        Assert.NotEqual(0, again);
        Assert.Contains("already up", message, StringComparison.Ordinal);
        Assert.Contains("down", message, StringComparison.Ordinal);
        Assert.Equal(pids, PidFiles());
        Assert.All(pids, p => Assert.True(Running(p.Value), $"{p.Key} (pid {p.Value}) stopped when a second up was refused"));
    }

    [RedisFact]
    public void UpRefusesAPortInUseAndStartsNothing()
    {
        // A `lab silo` would not notice: Orleans shares a listening port with another process that also allows it.
        using var occupant = new TcpListener(IPAddress.Loopback, _gatewayPortBase);
        occupant.Start();

        var (code, output) = Script(null, "up", "1");
        Assert.NotEqual(0, code);
        Assert.Contains($"port {_gatewayPortBase} on 127.0.0.1 is in use", output, StringComparison.Ordinal);
        Assert.Empty(PidFiles());
        Assert.False(Listening(_redisPort), "redis was started although up refused");
    }

    [RedisFact]
    public void UpStopsWhatItStartedWhenASiloFailsAndShowsWhy()
    {
        // A silo that cannot start (bad configuration): redis and the other silo were already started.
        var (code, output) = Script(new() { ["LAB_Cluster__SiloPort"] = "not-a-port" }, "up", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("exited before it was up", output, StringComparison.Ordinal);
        Assert.Contains("Cluster:SiloPort must be a port", output, StringComparison.Ordinal); // the silo's own message
        Assert.Empty(PidFiles());
        Assert.All(ClusterPorts(2), p => Assert.False(Listening(p), $"port {p} still accepts connections after a failed up"));
    }

    [RedisFact]
    public void UpWithAPasswordMakesRedisRequireItAndShowsItNowhere()
    {
        // A space, a quote and a backslash: the script must pass it to redis' configuration intact.
        string password = $"p w\"\\{Guid.NewGuid():N}";
        var (code, output) = Script(new() { ["LAB_REDIS_PASSWORD"] = password }, "up", "1");
        Assert.True(code == 0, $"up 1 with a password exited {code}:\n{output}"); // so the silo authenticated
        Assert.StartsWith("-NOAUTH", RedisReply(_redisPort, "PING"), StringComparison.Ordinal);
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        foreach (int pid in PidFiles().Values)
        {
            Assert.DoesNotContain(password, File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal);
        }
        foreach (string file in Directory.EnumerateFiles(_clusterDir, "*", SearchOption.AllDirectories))
        {
            Assert.False(File.ReadAllText(file).Contains(password, StringComparison.Ordinal), $"{file} contains the Redis password");
        }
    }

    public void Dispose()
    {
        try
        {
            if (PidFiles().Count > 0)
            {
                Script(null, "down");
            }
        }
        finally
        {
            // A script that lost track of its processes must not leave them running after the test.
            foreach (int pid in _seenPids.Where(Running))
            {
                string commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                if (commandLine.Contains(_clusterDir, StringComparison.Ordinal) || commandLine.Contains($"127.0.0.1:{_redisPort}", StringComparison.Ordinal))
                {
                    Process.GetProcessById(pid).Kill();
                }
            }
            _temp.Dispose();
        }
    }

    private (int ExitCode, string Output) Script(Dictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _temp.Path,
        };
        start.ArgumentList.Add(Path.Combine(Repository.Root(), "deploy", "local-cluster.sh"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Nothing from the developer's environment: the silos must take what the script gives them.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("LAB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key);
        }
        start.Environment["CLUSTER_DIR"] = _clusterDir;
        start.Environment["REDIS_PORT"] = _redisPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["SILO_PORT_BASE"] = _siloPortBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["GATEWAY_PORT_BASE"] = _gatewayPortBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["LAB_DLL"] = LabProcess.LabDll;
        start.Environment["TRIALS_PER_SILO"] = "1";
        start.Environment["XDG_CONFIG_HOME"] = LabProcess.ConfigHome; // the silos' cluster certificate is the test's clients
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var output = new ConcurrentQueue<string>();
        using Process script = Process.Start(start)!;
        script.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        script.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        if (!script.WaitForExit(ScriptTimeout))
        {
            script.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"local-cluster.sh {string.Join(' ', args)} did not finish within {ScriptTimeout.TotalSeconds} s:\n{string.Join('\n', output)}");
        }
        script.WaitForExit(); // the rest of the redirected output
        return (script.ExitCode, string.Join('\n', output));
    }

    /// <summary>The pid files in the state folder, by name ("redis", "silo-0", ...).</summary>
    private Dictionary<string, int> PidFiles()
    {
        Dictionary<string, int> pids = Directory.Exists(_clusterDir)
            ? Directory.EnumerateFiles(_clusterDir, "*.pid").ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture))
            : new();
        _seenPids.UnionWith(pids.Values);
        return pids;
    }

    private HashSet<string> SiloLogFinishedTrials()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (string log in Directory.EnumerateFiles(_clusterDir, "silo-*.jsonl"))
        {
            foreach (string line in File.ReadAllLines(log).Where(l => l.Length > 0))
            {
                JsonElement e = JsonDocument.Parse(line).RootElement;
                if (e.TryGetProperty("TrialKey", out JsonElement key) && e.GetProperty("@mt").GetString()!.Contains("finished", StringComparison.Ordinal))
                {
                    keys.Add(key.GetString()!);
                }
            }
        }
        return keys;
    }

    private IEnumerable<int> ClusterPorts(int silos) =>
        Enumerable.Range(0, silos).SelectMany(i => new[] { _siloPortBase + i, _gatewayPortBase + i }).Prepend(_redisPort);

    /// <summary>True while the process runs; an exited process nobody has reaped yet (a zombie) does not.</summary>
    private static bool Running(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Redis' first reply line to an inline command.</summary>
    private static string RedisReply(int port, string command)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using NetworkStream stream = client.GetStream();
        stream.ReadTimeout = 10_000;
        stream.Write(System.Text.Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[256];
        int read = stream.Read(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary><paramref name="count"/> consecutive loopback ports free now, none of them in <paramref name="taken"/>.</summary>
    private static int FreePorts(int count, HashSet<int> taken)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int first = RedisServer.FreePort();
            int[] ports = Enumerable.Range(first, count).ToArray();
            if (ports[^1] <= 65535 && ports.All(p => !taken.Contains(p) && CanBind(p)))
            {
                taken.UnionWith(ports);
                return first;
            }
        }
        throw new InvalidOperationException($"found no {count} consecutive free loopback ports");
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
