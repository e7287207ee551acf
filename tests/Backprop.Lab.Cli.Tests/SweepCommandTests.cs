using Backprop.Core.Experiments;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class SweepCommandTests : TempDirectory
{
    private const string Tiny = """
        { "name": "tiny", "base": { "width": 8, "dataset": "teacher", "samples": 32, "batch_size": 16, "steps": 5, "record_every": 5 },
          "grid": { "activation": ["tanh", "relu"], "depth": [2, 3] } }
        """;

    [Fact]
    public void Sweep_writes_the_sweep_file_trials_and_summary()
    {
        string sweep = Write("tiny.json", Tiny);
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, stdout, error) = LabRunner.Run("sweep", sweep, "--out", output);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("[4/4]", stdout);
        Assert.Contains("4 trials: 4 ok", stdout);
        Assert.Equal(Tiny, File.ReadAllText(System.IO.Path.Combine(output, "sweep.json")));
        string[] lines = File.ReadAllLines(System.IO.Path.Combine(output, "trials.jsonl"));
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.NotNull(ResultFormat.FromJsonLine(l, out _)));
        string[] csv = File.ReadAllLines(System.IO.Path.Combine(output, "summary.csv"));
        Assert.Equal(5, csv.Length);
        Assert.StartsWith("trial_key,activation,depth", csv[0]);
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
    }

    [Fact]
    public void Running_again_or_resuming_recomputes_nothing_and_finishes_what_is_missing()
    {
        string sweep = Write("tiny.json", Tiny);
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", sweep, "--out", output).Exit);
        string trials = System.IO.Path.Combine(output, "trials.jsonl");
        string[] first = File.ReadAllLines(trials);

        // Drop one finished trial, as if the run had been interrupted before it completed.
        File.WriteAllLines(trials, first.Take(3));
        var (exit, stdout, _) = LabRunner.Run("sweep", "--resume", output);
        Assert.Equal(0, exit);
        Assert.Contains("4 trials (3 already done)", stdout);
        Assert.Contains("[4/4]", stdout);
        string[] second = File.ReadAllLines(trials);
        Assert.Equal(first.Take(3), second.Take(3)); // the earlier results are kept byte for byte
        Assert.Equal(4, second.Select(l => ResultFormat.FromJsonLine(l, out _)!.Key).Distinct().Count());

        var (again, againOut, _) = LabRunner.Run("sweep", sweep, "--out", output);
        Assert.Equal(0, again);
        Assert.Contains("(4 already done)", againOut);
        Assert.Equal(second, File.ReadAllLines(trials));
    }

    [Fact]
    public void A_truncated_trials_file_is_reported_its_torn_line_kept_in_quarantine_and_the_lost_trial_rerun()
    {
        string sweep = Write("tiny.json", Tiny);
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", sweep, "--out", output).Exit);
        string trials = System.IO.Path.Combine(output, "trials.jsonl");
        string[] lines = File.ReadAllLines(trials);
        File.WriteAllText(trials, string.Join('\n', lines.Take(3)) + "\n" + lines[3][..40]);
        var (exit, stdout, _) = LabRunner.Run("sweep", "--resume", output);
        Assert.Equal(0, exit);
        Assert.Contains("trials.jsonl line 4: truncated or malformed JSON (a torn last line)", stdout);
        Assert.Equal(4, File.ReadAllLines(trials).Length);
        Assert.Equal(lines[3][..40] + "\n", File.ReadAllText(System.IO.Path.Combine(output, "trials.quarantine.jsonl")));
    }

    [Theory]
    [InlineData("{ \"name\": \"../escape\" }", "$.name")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"depth\": 0 } }", "$.base.depth")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "empty")]
    public void Bad_sweep_file_exits_2_and_writes_nothing(string text, string fragment)
    {
        string sweep = Write("bad.json", text);
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, stdout, error) = LabRunner.Run("sweep", sweep, "--out", output);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(fragment, error);
        Assert.Contains("bad.json", error);
        Assert.False(Directory.Exists(output), "a results folder was created for a rejected sweep");
    }

    [Fact]
    public void Too_large_sweep_needs_allow_large()
    {
        string sweep = Write("big.json", """{ "name": "big", "grid": { "depth": { "linear": [1, 400], "count": 400 }, "width": { "linear": [1, 300], "count": 300 } } }""");
        var (exit, _, error) = LabRunner.Run("sweep", sweep, "--out", System.IO.Path.Combine(Path, "out"));
        Assert.Equal(2, exit);
        Assert.Contains("--allow-large", error);
    }

    [Fact]
    public void Out_folder_of_another_sweep_is_refused()
    {
        string output = System.IO.Path.Combine(Path, "out");
        Assert.Equal(0, LabRunner.Run("sweep", Write("tiny.json", Tiny), "--out", output).Exit);
        string other = Write("other.json", Tiny.Replace("\"tiny\"", "\"other\"", StringComparison.Ordinal));
        var (exit, _, error) = LabRunner.Run("sweep", other, "--out", output);
        Assert.Equal(2, exit);
        Assert.Contains("holds the results of sweep \"tiny\"", error);
    }

    [Fact]
    public void Unreachable_cluster_names_the_address_and_exits_5_within_the_timeout()
    {
        int port = Backprop.Lab.Cli.Cluster.Endpoints.FreeLoopbackPort();
        string sweep = Write("tiny.json", Tiny);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (exit, _, error) = LabRunner.Run("sweep", sweep, "--out", System.IO.Path.Combine(Path, "out"), "--cluster", $"127.0.0.1:{port}", "--connect-timeout", "3");
        Assert.Equal(5, exit);
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.Contains("could not reach the cluster", error);
        // Bounded: the 3 s timeout plus start-up, far below the minutes an unbounded retry would take. (A fact about
        // termination, not a speed measurement: the bound is 20x the timeout.)
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        // Nothing ran, so no empty results folder is left behind.
        Assert.False(Directory.Exists(System.IO.Path.Combine(Path, "out")), "the refused sweep left its results folder");
    }

    /// <summary>Residual blocks in both forms and layernorm: their configuration travels to the silo whole.</summary>
    private const string TinyArchitectures = """
        { "name": "tiny-arch", "base": { "width": 8, "depth": 3, "dataset": "teacher", "samples": 32, "batch_size": 16, "steps": 5, "record_every": 5,
                                        "architecture": "residual", "block_depth": 1, "residual_scale": "1/sqrt(L)" },
          "grid": { "block_form": ["pre", "post"], "norm": ["none", "layernorm"] } }
        """;

    [Theory]
    [InlineData(Tiny)]
    [InlineData(TinyArchitectures)]
    public void In_process_executor_gives_the_same_results_as_the_embedded_silo(string text)
    {
        string sweep = Write("tiny.json", text);
        string embedded = System.IO.Path.Combine(Path, "embedded"), local = System.IO.Path.Combine(Path, "local");
        Assert.Equal(0, LabRunner.Run("sweep", sweep, "--out", embedded).Exit);
        Assert.Equal(0, LabRunner.Run("sweep", sweep, "--out", local, "--in-process").Exit);
        static Dictionary<string, string> Lines(string dir) => File.ReadAllLines(System.IO.Path.Combine(dir, "trials.jsonl"))
            .Select(l => ResultFormat.FromJsonLine(l, out _)!).ToDictionary(r => r.Key, r => ResultFormat.ToJsonLine(r with { Seconds = 0 }));
        Assert.Equal(Lines(local).OrderBy(p => p.Key), Lines(embedded).OrderBy(p => p.Key));
    }

    [Theory]
    [InlineData("silo", "--silo-port", "0")]
    [InlineData("silo", "--address", "not-an-ip")]
    [InlineData("silo", "--primary", "localhost")]
    [InlineData("silo", "--parallel", "0")]
    [InlineData("silo", "--metrics", "prometheus")]
    [InlineData("silo", "--metrics", "otlp=localhost:4317")]
    [InlineData("silo", "--metrics", "console", "--metrics-interval", "0")]
    [InlineData("sweep", "x.json", "--cluster", "nonsense")]
    [InlineData("sweep", "x.json", "--in-process", "--cluster", "127.0.0.1:30000")]
    [InlineData("sweep")]
    [InlineData("sweep", "--resume", "/nonexistent-folder")]
    [InlineData("sweep", "x.json", "--parallel", "0")]
    [InlineData("silo", "--redis", "no-port")]
    [InlineData("silo", "--redis", "127.0.0.1:6379", "--primary", "127.0.0.1:11111")]
    [InlineData("silo", "--cluster-id", " ")]
    [InlineData("silo", "--advertise", "not-an-ip")]
    [InlineData("silo", "--config", "/nonexistent/appsettings.json")]
    [InlineData("silo", "--tls-cert", "/nonexistent/cluster.pfx")]
    [InlineData("silo", "--insecure", "--tls-cert", "/nonexistent/cluster.pfx")]
    [InlineData("sweep", "x.json", "--redis", "127.0.0.1:6379", "--cluster", "127.0.0.1:30000")]
    public void Bad_sweep_flags_exit_2(params string[] args) => Assert.Equal(2, LabRunner.Run(args).Exit);

    [Theory]
    [InlineData("--redis", "127.0.0.1:6379", "--in-process and --redis exclude each other")]
    [InlineData("--cluster", "127.0.0.1:30000", "--in-process and --cluster exclude each other")]
    public void In_process_with_a_cluster_flag_is_refused_not_ignored(string flag, string value, string expected)
    {
        string sweep = Write("tiny.json", Tiny);
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, stdout, error) = LabRunner.Run("sweep", sweep, "--in-process", flag, value, "--out", output);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--cluster", "127.0.0.1:30000")]
    [InlineData("--redis", "127.0.0.1:6379")]
    public void Parallel_on_a_cluster_is_refused_since_each_silo_sets_its_own(string flag, string value)
    {
        string sweep = Write("tiny.json", Tiny);
        string output = System.IO.Path.Combine(Path, "out");
        var (exit, stdout, error) = LabRunner.Run("sweep", sweep, "-j", "2", flag, value, "--out", output);
        Assert.Equal(2, exit);
        Assert.Equal("error: -j/--parallel applies where trials run: on a cluster, give it to each `lab silo`\n", error.ReplaceLineEndings("\n"));
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Sweep_and_silo_both_take_j_as_parallel_trials_at_once()
    {
        foreach (string command in new[] { "sweep", "silo" })
        {
            Assert.Matches(@"\n  -j, --parallel <N> +Trials ", LabRunner.Run(command, "--help").Out);
        }
    }

    [Fact]
    public void A_silo_on_a_port_something_listens_on_is_refused_before_orleans_starts()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, _, err) = LabRunner.Run("silo", "--gateway-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, exit);
        Assert.Contains($"--gateway-port: port {port} on 127.0.0.1 is in use", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redis_password_in_a_configuration_file_is_refused()
    {
        string config = Write("appsettings.json", """{ "Cluster": { "Redis": "127.0.0.1:6379", "RedisPassword": "x" } }""");
        var (exit, _, err) = LabRunner.Run("silo", "--config", config);
        Assert.Equal(2, exit);
        Assert.Contains("LAB_REDIS_PASSWORD", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_whose_redis_is_not_there_says_so_and_exits_5()
    {
        int port = Backprop.Lab.Cli.Cluster.Endpoints.FreeLoopbackPort();
        var (exit, _, err) = LabRunner.Run("silo", "--redis", $"127.0.0.1:{port}", "--silo-port", Backprop.Lab.Cli.Cluster.Endpoints.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", Backprop.Lab.Cli.Cluster.Endpoints.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5, exit);
        Assert.Contains($"could not use Redis at 127.0.0.1:{port}", err, StringComparison.Ordinal);
    }
}
