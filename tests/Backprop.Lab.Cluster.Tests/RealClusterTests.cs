using System.Text.Json;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Grains;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// The cluster as users run it: a real redis-server, separate `lab silo` processes and a `lab sweep --redis` client
/// process, with faults made the way machines and operators make them (SIGKILL, SIGTERM). Every test checks that
/// each trial is saved exactly once and equals the in-process executor's result bit for bit (wall-clock seconds
/// aside).
/// </summary>
[Trait("Category", "Slow")]
public sealed class RealClusterTests : IDisposable
{
    // 60 trials; where a fault must land mid-sweep, a trial gate holds the work, so how long a trial takes never matters.
    private const string SweepJson = """
        {
          "name": "cluster-faults",
          "base": { "width": 64, "init": "gaussian", "dataset": "teacher", "samples": 256, "batch_size": 32, "steps": 800,
                    "learning_rate": 0.01, "optimizer": "sgd", "record_every": 100 },
          "grid": { "activation": ["tanh", "relu", "sigmoid"], "depth": [2, 3, 4, 5, 6], "sigma_w": [0.5, 1, 1.5, 2] }
        }
        """;

    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(4);

    private readonly TempDirectory _dir = new();
    private readonly List<LabProcess> _processes = [];
    private readonly Dictionary<LabProcess, string> _siloLogs = [];
    private readonly string _clusterId = $"test-{Guid.NewGuid():N}"[..13];
    private RedisServer? _redis;
    private int _silos;

    private RedisServer Redis => _redis ??= RedisServer.Start(Path.Combine(_dir.Path, "redis"));

    /// <summary>Declare a killed silo dead within a few seconds instead of the production defaults.</summary>
    private static readonly Dictionary<string, string> FastMembership = new()
    {
        ["LAB_Cluster__Membership__ProbeTimeout"] = "00:00:01",
        ["LAB_Cluster__Membership__NumMissedProbesLimit"] = "2",
        ["LAB_Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
    };

    [RedisFact]
    public void A_silo_killed_mid_sweep_loses_nothing_and_a_restarted_silo_takes_work()
    {
        // Three trials run; the rest wait at the gate (queued on the silos) until the newcomer has work of its own.
        var gate = new TrialGate(Path.Combine(_dir.Path, "gate"));
        var env = new Dictionary<string, string>(FastMembership) { [TrialGate.EnvironmentVariable] = gate.Directory };
        Permit(gate, 3);
        LabProcess[] silos = [StartSilo(env), StartSilo(env), StartSilo(env)];
        string output = Path.Combine(_dir.Path, "results");
        LabProcess client = StartSweep(output);

        WaitForSaved(output, 3, client);
        // The victim is a silo that has trained, so it surely holds work (and perhaps the SweepGrain).
        LabProcess victim = silos.First(s => Trainings(s).Count > 0);
        victim.Kill();
        LabProcess rejoined = StartSilo(env);
        WaitFor(() => LogHas(rejoined, "leased (attempt"), client, "the restarted silo was given no trial");
        Permit(gate, 1000);

        Assert.Equal(0, client.WaitForExit(SweepTimeout));
        // Recomputing all 60 trials in process would double the test; the trials at risk are those the victim held
        // and those the newcomer ran, so those are compared, with every third of the rest.
        var atRisk = new HashSet<string>(Trainings(victim).Concat(Trainings(rejoined)), StringComparer.Ordinal);
        AssertEveryTrialOnceAndExact(output, (key, index) => atRisk.Contains(key) || index % 3 == 0);
        Assert.NotEmpty(Trainings(rejoined));
        // A peer's death is a routine recovery: each survivor says so in a few lines, with no stack trace.
        foreach (LabProcess survivor in silos.Where(s => s != victim))
        {
            string[] lines = survivor.Output.Split('\n');
            Assert.True(lines.Length <= 15, $"a survivor printed {lines.Length} lines:\n{survivor.Output}");
            Assert.DoesNotContain(lines, l => l.StartsWith("   at ", StringComparison.Ordinal));
        }

        // And it is a full member: with the two survivors stopped, the next sweep is found, run and finished by it alone.
        foreach (LabProcess survivor in silos.Where(s => s != victim))
        {
            survivor.Terminate();
            survivor.WaitForExit(TimeSpan.FromMinutes(1));
        }
        LabProcess next = Track(LabProcess.Start(["sweep", WriteSweep(tiny: true), "--redis", Redis.Endpoint, "--cluster-id", _clusterId,
            "--out", Path.Combine(_dir.Path, "next")], FastMembership));
        int before = Trainings(rejoined).Count;
        Assert.Equal(0, next.WaitForExit(SweepTimeout));
        Assert.Equal(12, SavedKeys(Path.Combine(_dir.Path, "next")).Count);
        Assert.Equal(before + 12, Trainings(rejoined).Count);
    }

    [RedisFact]
    public void A_client_killed_mid_sweep_is_resumed_without_recomputing_done_trials()
    {
        LabProcess[] silos = [StartSilo(), StartSilo()];
        string output = Path.Combine(_dir.Path, "results");
        LabProcess client = StartSweep(output);

        WaitForSaved(output, 10, client);
        client.Kill();
        int savedBefore = SavedKeys(output).Count;
        LabProcess resumed = Track(LabProcess.Start(["sweep", "--resume", output, "--redis", Redis.Endpoint, "--cluster-id", _clusterId], FastMembership));

        Assert.Equal(0, resumed.WaitForExit(SweepTimeout));
        AssertEveryTrialOnceAndExact(output);
        Assert.Contains($"({savedBefore} already done)", resumed.Output, StringComparison.Ordinal);
        // No silo died, so each trial was trained exactly once over both clients' lives.
        var trained = silos.SelectMany(Trainings).ToList();
        Assert.Equal(60, trained.Count);
        Assert.Equal(60, trained.Distinct().Count());
    }

    [RedisFact]
    public void Redis_restarted_mid_sweep_the_sweep_completes_with_nothing_lost_or_duplicated()
    {
        // The trials pass a gate the test opens permit by permit, so Redis goes down and comes back while the sweep
        // is surely unfinished, however fast trials are.
        var gate = new TrialGate(Path.Combine(_dir.Path, "gate"));
        var env = new Dictionary<string, string>(FastMembership) { [TrialGate.EnvironmentVariable] = gate.Directory };
        Permit(gate, 10);
        LabProcess[] silos = [StartSilo(env), StartSilo(env)];
        string output = Path.Combine(_dir.Path, "results");
        LabProcess client = StartSweep(output);
        WaitForSaved(output, 10, client);

        Redis.Stop();
        // With Redis down, two more trials run, reach the client and are saved, and the SweepGrain fails to store them.
        Permit(gate, 2);
        WaitForSaved(output, 12, client);
        WaitFor(() => silos.Any(s => LogHas(s, "writing the sweep state failed")), client, "no silo reported a failed write of the sweep state");
        Assert.Equal(12, SavedKeys(output).Count);
        Assert.False(client.HasExited, $"the client gave up while Redis was down:\n{client.Output}");

        Redis.Restart();
        Permit(gate, 48);
        Assert.Equal(0, client.WaitForExit(SweepTimeout));
        AssertEveryTrialOnceAndExact(output);
        // Nothing was lost, so no trial had to be trained twice.
        Assert.Equal(60, Directory.GetFiles(gate.Claimed).Length);
    }

    [RedisFact]
    public void A_finished_sweep_leaves_no_state_in_redis_and_a_running_one_has_an_expiry()
    {
        var gate = new TrialGate(Path.Combine(_dir.Path, "gate"));
        var env = new Dictionary<string, string>(FastMembership) { [TrialGate.EnvironmentVariable] = gate.Directory };
        Permit(gate, 2);
        StartSilo(env);
        string output = Path.Combine(_dir.Path, "results");
        LabProcess client = Track(LabProcess.Start(["sweep", WriteSweep(tiny: true, steps: 20), "--redis", Redis.Endpoint, "--cluster-id", _clusterId,
            "--out", output], FastMembership));
        WaitForSaved(output, 2, client);

        using StackExchange.Redis.ConnectionMultiplexer redis = StackExchange.Redis.ConnectionMultiplexer.Connect(Redis.Endpoint);
        StackExchange.Redis.IServer server = redis.GetServer(Redis.Endpoint);
        // Mid-sweep the SweepGrain's state is in Redis (the check below can fail), with an expiry as a backstop.
        WaitFor(() => server.Keys(pattern: "*/state/*").Any(), client, "the running sweep's state never reached Redis");
        string key = server.Keys(pattern: "*/state/*").Select(k => k.ToString()).Single();
        Assert.Contains("sweep", key, StringComparison.Ordinal);
        TimeSpan? ttl = redis.GetDatabase().KeyTimeToLive(key);
        Assert.True(ttl is { } t && t > TimeSpan.FromDays(6) && t <= TimeSpan.FromDays(7), $"the sweep state {key} has expiry {ttl}");

        Permit(gate, 10);
        Assert.Equal(0, client.WaitForExit(SweepTimeout));
        Assert.Equal(12, SavedKeys(output).Count);
        Assert.Empty(server.Keys(pattern: "*/state/*").Select(k => k.ToString()));
    }

    /// <summary>
    /// A paper's reproduction runs on a cluster like any sweep: two silos on Redis, one trial at a time each, every claim
    /// passing and every trial exactly the in-process executor's.
    /// </summary>
    [RedisFact]
    public void A_reproduction_on_two_silos_passes_its_claims_with_the_in_process_results()
    {
        StartSilo();
        StartSilo();
        string output = Path.Combine(_dir.Path, "he");
        LabProcess client = Track(LabProcess.Start(["reproduce", "he-2015", "--quick", "--redis", Redis.Endpoint, "--cluster-id", _clusterId,
            "--out", output], FastMembership));
        Assert.Equal(0, client.WaitForExit(SweepTimeout));
        Assert.Contains("he-2015: all 4 claims pass", client.Output, StringComparison.Ordinal);
        Backprop.Lab.Reports.Papers.Reproduction he = Backprop.Lab.Reports.Papers.Reproductions.Find("he-2015")!;
        IReadOnlyList<Trial> trials = SweepFile.Parse(he.SweepFileName(true), he.SweepText(true)).Expand();
        Dictionary<string, string> expected = Expected(trials);
        var saved = File.ReadAllLines(Path.Combine(output, "trials.jsonl")).Where(l => l.Length > 0).Select(l => ResultFormat.FromJsonLine(l, out _)!).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), saved.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(saved, r => Assert.Equal(expected[r.Key], WithoutTime(r)));
    }

    [RedisFact]
    public void A_client_with_another_cluster_id_is_refused_with_the_ids_redis_knows()
    {
        StartSilo();
        LabProcess client = Track(LabProcess.Start(["sweep", WriteSweep(), "--redis", Redis.Endpoint, "--cluster-id", "someone-else",
            "--out", Path.Combine(_dir.Path, "wrong"), "--connect-timeout", "3"]));

        Assert.Equal(5, client.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains("ClusterId \"someone-else\"", client.Output, StringComparison.Ordinal);
        Assert.Contains($"ClusterId \"{_clusterId}\" (1 active silo)", client.Output, StringComparison.Ordinal);
        Assert.Contains("check --cluster-id", client.Output, StringComparison.Ordinal);
    }

    [RedisFact]
    public void A_redis_password_is_used_and_never_written_to_output_or_logs()
    {
        const string password = "s3cret-Pa55-in-env-only";
        _redis = RedisServer.Start(Path.Combine(_dir.Path, "redis"), password);
        var env = new Dictionary<string, string>(FastMembership) { ["LAB_REDIS_PASSWORD"] = password };
        LabProcess silo = StartSilo(env);
        string output = Path.Combine(_dir.Path, "results");
        LabProcess client = Track(LabProcess.Start(["sweep", WriteSweep(tiny: true), "--redis", Redis.Endpoint, "--cluster-id", _clusterId, "--out", output, "--verbose"], env));

        Assert.Equal(0, client.WaitForExit(SweepTimeout));
        silo.Terminate();
        silo.WaitForExit(TimeSpan.FromMinutes(1));
        string everything = string.Join('\n', [silo.Output, client.Output,
            .. Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.Contains("redis", StringComparison.Ordinal)).Select(File.ReadAllText)]);
        Assert.DoesNotContain(password, everything, StringComparison.Ordinal);

        // And without it the silo is refused by Redis with a clear message, not a hang.
        LabProcess refused = Track(LabProcess.Start(SiloArgs(), FastMembership));
        Assert.Equal(5, refused.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains("could not use Redis", refused.Output, StringComparison.Ordinal);
    }

    [RedisFact]
    public void A_silo_whose_redis_is_gone_still_stops_on_sigterm()
    {
        LabProcess silo = StartSilo();
        Redis.Stop();
        silo.Terminate();
        // A clean leave needs Redis; without it the silo gives up after 20 s instead of hanging for minutes.
        int exit = silo.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.Contains(exit, new[] { 0, 1 });
        Assert.True(exit == 0 || silo.Output.Contains("did not stop cleanly", StringComparison.Ordinal), silo.Output);
    }

    private LabProcess StartSilo(IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] args = SiloArgs();
        LabProcess silo = Track(LabProcess.Start(args, environment ?? FastMembership));
        _siloLogs[silo] = args[^1];
        silo.WaitForOutput("silo up:", Startup);
        return silo;
    }

    private string[] SiloArgs()
    {
        int index = ++_silos;
        return ["silo", "--redis", Redis.Endpoint, "--cluster-id", _clusterId, "--parallel", "1",
            "--silo-port", RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--log", Path.Combine(_dir.Path, $"silo-{index}.jsonl")];
    }

    private LabProcess StartSweep(string output, int steps = 800) =>
        Track(LabProcess.Start(["sweep", WriteSweep(steps: steps), "--redis", Redis.Endpoint, "--cluster-id", _clusterId, "--out", output], FastMembership));

    private string WriteSweep(bool tiny = false, int steps = 800) => _dir.Write(tiny ? "tiny.json" : "sweep.json",
        (tiny ? SweepJson.Replace("\"depth\": [2, 3, 4, 5, 6]", "\"depth\": [2]", StringComparison.Ordinal) : SweepJson)
            .Replace("\"steps\": 800", $"\"steps\": {steps}", StringComparison.Ordinal));

    private LabProcess Track(LabProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>Trial keys a silo finished training, from its --log file (one event per training).</summary>
    private List<string> Trainings(LabProcess silo)
    {
        string log = _siloLogs[silo];
        if (!File.Exists(log))
        {
            return [];
        }
        var keys = new List<string>();
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is string line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using JsonDocument doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("@mt", out JsonElement template) && template.GetString()!.Contains("finished:", StringComparison.Ordinal)
                && doc.RootElement.TryGetProperty("TrialKey", out JsonElement key))
            {
                keys.Add(key.GetString()!);
            }
        }
        return keys;
    }

    private static void WaitForSaved(string output, int count, LabProcess client) =>
        WaitFor(() => SavedKeys(output).Count >= count, client, $"fewer than {count} trials were saved");

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the client exits or time runs out first.</summary>
    private static void WaitFor(Func<bool> condition, LabProcess client, string failure)
    {
        DateTime deadline = DateTime.UtcNow + SweepTimeout;
        while (!condition())
        {
            if (client.HasExited || DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{failure} ({(client.HasExited ? $"the client exited {client.ExitCode}" : "timed out")}):\n{client.Output}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>Lets <paramref name="count"/> more trials start across the silos that share <paramref name="gate"/>.</summary>
    private static void Permit(TrialGate gate, int count)
    {
        Directory.CreateDirectory(gate.Directory);
        for (int i = 0; i < count; i++)
        {
            // Written under another name and renamed in, so a worker never claims a half-written permit.
            string temporary = Path.Combine(gate.Directory, "..", $"permit-{Guid.NewGuid():N}");
            File.WriteAllText(temporary, "");
            File.Move(temporary, Path.Combine(gate.Directory, Path.GetFileName(temporary)));
        }
    }

    /// <summary>Whether the silo's --log file has an event whose message template contains <paramref name="text"/>.</summary>
    private bool LogHas(LabProcess silo, string text)
    {
        string log = _siloLogs[silo];
        if (!File.Exists(log))
        {
            return false;
        }
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Contains(text, StringComparison.Ordinal);
    }

    private static List<string> SavedKeys(string output)
    {
        string file = Path.Combine(output, "trials.jsonl");
        if (!File.Exists(file))
        {
            return [];
        }
        return File.ReadAllLines(file).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!).ToList();
    }

    /// <summary>
    /// Every trial of the sweep saved exactly once, and those chosen by <paramref name="compare"/> (all by default)
    /// equal to the in-process executor's result.
    /// </summary>
    private void AssertEveryTrialOnceAndExact(string output, Func<string, int, bool>? compare = null)
    {
        IReadOnlyList<Trial> trials = SweepFile.Load(Path.Combine(_dir.Path, "sweep.json")).Expand();
        var saved = File.ReadAllLines(Path.Combine(output, "trials.jsonl")).Where(l => l.Length > 0)
            .Select(l => ResultFormat.FromJsonLine(l, out string? problem) ?? throw new Xunit.Sdk.XunitException($"unreadable line: {problem}")).ToList();
        Assert.Equal(trials.Count, saved.Count);
        Assert.Equal(trials.Select(t => t.Key).Order(StringComparer.Ordinal), saved.Select(r => r.Key).Order(StringComparer.Ordinal));
        Trial[] chosen = trials.Where((t, i) => compare?.Invoke(t.Key, i) ?? true).ToArray();
        Dictionary<string, string> expected = Expected(chosen);
        Assert.All(saved.Where(r => expected.ContainsKey(r.Key)), r => Assert.Equal(expected[r.Key], WithoutTime(r)));
        Assert.True(expected.Count >= trials.Count / 3, $"only {expected.Count} trials compared");
    }

    // The in-process executor's results, kept across tests of this class (the same sweep gives the same bits).
    private static readonly Dictionary<string, string> ExpectedCache = new(StringComparer.Ordinal);

    private static Dictionary<string, string> Expected(IReadOnlyList<Trial> trials)
    {
        lock (ExpectedCache)
        {
            Trial[] missing = trials.Where(t => !ExpectedCache.ContainsKey(t.Key)).ToArray();
            foreach (TrialResult r in SweepExecutor.RunAsync(missing.Select(t => t.Config).ToArray(), parallelism: 2).GetAwaiter().GetResult())
            {
                ExpectedCache[r.Key] = WithoutTime(r);
            }
            return trials.ToDictionary(t => t.Key, t => ExpectedCache[t.Key], StringComparer.Ordinal);
        }
    }

    private static string WithoutTime(TrialResult r) => ResultFormat.ToJsonLine(r with { Seconds = 0 });

    public void Dispose()
    {
        foreach (LabProcess process in _processes)
        {
            process.Dispose();
        }
        _redis?.Dispose();
        _dir.Dispose();
    }
}
