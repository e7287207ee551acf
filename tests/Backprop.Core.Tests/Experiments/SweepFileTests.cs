using Backprop.Core.Experiments;
using Backprop.Core.Serialization;

namespace Backprop.Core.Tests.Experiments;

public class SweepFileTests
{
    private const string Minimal = """{ "name": "s", "base": { "depth": 2, "width": 4 }, "grid": { "sigma_w2": [1, 2] } }""";

    [Fact]
    public void Grid_expands_to_the_cartesian_product_times_seeds_with_the_first_axis_outermost()
    {
        SweepSpec spec = SweepFile.Parse("s.json", """
            { "name": "s", "base": { "width": 8, "seeds": 2, "seed": 10 },
              "grid": { "activation": ["tanh", "relu"], "depth": [2, 3, 4] } }
            """);
        IReadOnlyList<Trial> trials = spec.Expand();
        Assert.Equal(12, spec.TrialCount);
        Assert.Equal(12, trials.Count);
        Assert.Equal(["tanh", "tanh", "tanh", "tanh", "tanh", "tanh"], trials.Take(6).Select(t => t.Config.Activation));
        Assert.Equal([2, 2, 3, 3, 4, 4], trials.Take(6).Select(t => t.Config.Depth));
        Assert.Equal([10UL, 11UL], trials.Take(2).Select(t => t.Config.Seed));
        Assert.Equal(12, trials.Select(t => t.Key).Distinct().Count());
    }

    [Fact]
    public void Linear_and_log_ranges()
    {
        SweepSpec spec = SweepFile.Parse("s.json", """
            { "name": "s", "grid": { "sigma_w2": { "log": [0.25, 4], "count": 5 }, "depth": { "linear": [2, 10], "count": 3 } } }
            """);
        Assert.Equal([0.25, 0.5, 1, 2, 4], spec.Grid[0].Values.Cast<double>().Select(v => Math.Round(v, 12)));
        Assert.Equal([2, 6, 10], spec.Grid[1].Values.Cast<int>());
    }

    [Fact]
    public void Sigma_w_axis_sets_the_variance()
    {
        SweepSpec spec = SweepFile.Parse("s.json", """{ "name": "s", "grid": { "sigma_w": [0.5, 2] } }""");
        Assert.Equal([0.25, 4.0], spec.Expand().Select(t => t.Config.SigmaW2));
    }

    [Fact]
    public void Random_samples_are_crossed_with_the_grid_and_reproducible()
    {
        const string text = """
            { "name": "r", "grid": { "activation": ["tanh", "relu"] },
              "random": { "count": 5, "seed": 3, "axes": { "sigma_w2": { "log_uniform": [0.5, 4] }, "depth": { "uniform": [2, 9] }, "init": { "choice": ["gaussian", "orthogonal"] } } } }
            """;
        IReadOnlyList<Trial> a = SweepFile.Parse("r.json", text).Expand(), b = SweepFile.Parse("r.json", text).Expand();
        Assert.Equal(10, a.Count);
        Assert.Equal(a.Select(t => t.Key), b.Select(t => t.Key));
        Assert.All(a, t => Assert.InRange(t.Config.SigmaW2, 0.5, 4));
        Assert.All(a, t => Assert.InRange(t.Config.Depth, 2, 9));
    }

    [Fact]
    public void Trial_key_is_the_same_for_the_same_configuration_written_differently()
    {
        Trial a = SweepFile.Parse("a.json", """{ "name": "a", "base": { "activation": "tanh", "depth": 3, "sigma_w2": 2.25 } }""").Expand()[0];
        Trial b = SweepFile.Parse("b.json", """{ "name": "b", "base": { "sigma_w": 1.5, "depth": 3, "activation": "TANH" } }""").Expand()[0];
        Assert.Equal(a.Key, b.Key);
        Assert.Equal(16, a.Key.Length);
        // Pinned: the key is SHA-256 of the canonical text, the same on every machine and in every run.
        Assert.Equal("depth=3;width=64;activation=tanh;init=gaussian;sigma_w2=2.25;sigma_b=0;gain=1;dataset=gaussian;samples=256;input_dim=16;loss=default;batch_size=64;steps=100;learning_rate=0.01;optimizer=sgd;record_every=10;seed=0;", a.Config.Canonical());
        Assert.Equal(KeyOf(a.Config.Canonical()), a.Key);
        Trial c = SweepFile.Parse("c.json", """{ "name": "c", "base": { "activation": "tanh", "depth": 3, "sigma_w2": 2.25, "seed": 1 } }""").Expand()[0];
        Assert.NotEqual(a.Key, c.Key);
    }

    [Fact]
    public void Sigma_b2_is_the_square_of_sigma_b_in_base_and_grid()
    {
        Trial std = SweepFile.Parse("a.json", """{ "name": "a", "base": { "depth": 3, "sigma_b": 0.5 } }""").Expand()[0];
        Trial variance = SweepFile.Parse("b.json", """{ "name": "b", "base": { "depth": 3, "sigma_b2": 0.25 } }""").Expand()[0];
        Assert.Equal(0.5, variance.Config.SigmaB);
        Assert.Equal(std.Key, variance.Key);
        IReadOnlyList<Trial> grid = SweepFile.Parse("c.json", """{ "name": "c", "grid": { "sigma_b2": [0, 0.04] } }""").Expand();
        Assert.Equal([0, 0.2], grid.Select(t => t.Config.SigmaB).Order());
    }

    private static string KeyOf(string canonical) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)))[..16];

    [Theory]
    [InlineData("", "$", "empty")]
    [InlineData("   ", "$", "empty")]
    [InlineData("[1]", "$", "expected an object")]
    [InlineData("{ \"name\": \"s\", ", "$", "not valid JSON")]
    [InlineData("{ \"base\": {} }", "$", "missing field \"name\"")]
    [InlineData("{ \"name\": \"../etc\" }", "$.name", "without \"..\"")]
    [InlineData("{ \"name\": \"a/b\" }", "$.name", "letters, digits")]
    [InlineData("{ \"name\": \"a\\\\b\" }", "$.name", "letters, digits")]
    [InlineData("{ \"name\": \".hidden\" }", "$.name", "not starting with '.'")]
    [InlineData("{ \"name\": 5 }", "$.name", "expected a string")]
    [InlineData("{ \"name\": \"s\", \"grids\": {} }", "$.grids", "did you mean \"grid\"")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"dept\": 3 } }", "$.base.dept", "did you mean \"depth\"")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"depth\": 0 } }", "$.base.depth", "from 1 to")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"width\": -1 } }", "$.base.width", "from 1 to")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"depth\": \"3\" } }", "$.base.depth", "found the string \"3\"")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"depth\": 2.5 } }", "$.base.depth", "found the number 2.5")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"sigma_w\": 1e999 } }", "$.base.sigma_w", "outside the range")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"sigma_w\": NaN } }", "$", "not valid JSON")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"sigma_w\": 1, \"sigma_w2\": 1 } }", "$.base.sigma_w2", "not both")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"sigma_b\": 1, \"sigma_b2\": 1 } }", "$.base.sigma_b2", "give either sigma_b (the std) or sigma_b2 (the variance), not both")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"sigma_b\": [1], \"sigma_b2\": [1] } }", "$.grid.sigma_b2", "not both")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"learning_rate\": 0 } }", "$.base.learning_rate", "learning rate greater than 0 and at most 1000000")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"activation\": \"tahn\" } }", "$.base.activation", "did you mean \"tanh\"")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"dataset\": \"mnist\" } }", "$.base.dataset", "unknown dataset")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"seeds\": 0 } }", "$.base.seeds", "from 1 to")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"depth\": [] } }", "$.grid.depth", "axis is empty")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"depth\": [2, 0] } }", "$.grid.depth[1]", "from 1 to")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"depth\": 3 } }", "$.grid.depth", "expected a list")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"activation\": { \"linear\": [1, 2], \"count\": 2 } } }", "$.grid.activation", "not numeric")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"sigma_w2\": { \"log\": [0, 2], \"count\": 2 } } }", "$.grid.sigma_w2.log", "both ends > 0")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"sigma_w2\": { \"log\": [1, 2] } } }", "$.grid.sigma_w2", "missing field \"count\"")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"seeds\": [1, 2] } }", "$.grid.seeds", "unknown field")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"depth\": [2, 2] } }", "$", "two trials are identical")]
    [InlineData("{ \"name\": \"s\", \"grid\": { \"depth\": { \"linear\": [1, 400], \"count\": 400 }, \"width\": { \"linear\": [1, 400], \"count\": 400 } } }", "$", "100000 are refused unless --allow-large")]
    [InlineData("{ \"name\": \"s\", \"base\": { \"width\": 100000, \"depth\": 10 } }", "$", "parameters")]
    [InlineData("{ \"name\": \"s\", \"random\": { \"count\": 2, \"axes\": {} } }", "$.random.axes", "at least one random axis")]
    [InlineData("{ \"name\": \"s\", \"random\": { \"count\": 2, \"axes\": { \"depth\": { \"uniform\": [5, 2] } } } }", "$.random.axes.depth.uniform", "low <= high")]
    public void Bad_sweep_files_name_the_json_path_and_what_was_expected(string text, string path, string fragment)
    {
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("bad.json", text));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith($"bad.json: {path}: ", e.Message);
    }

    [Fact]
    public void Large_sweeps_pass_when_allowed()
    {
        const string text = """{ "name": "s", "base": { "width": 2 }, "grid": { "depth": { "linear": [1, 400], "count": 400 }, "width": { "linear": [1, 300], "count": 300 } } }""";
        Assert.Equal(120_000, SweepFile.Parse("s.json", text, allowLarge: true).TrialCount);
    }

    [Fact]
    public void Minimal_file_uses_the_documented_defaults()
    {
        TrialConfig c = SweepFile.Parse("s.json", Minimal).Expand()[0].Config;
        Assert.Equal(("tanh", "gaussian", "gaussian", 64, 100, 10, "sgd", 0.01), (c.Activation, c.Init, c.Dataset, c.BatchSize, c.Steps, c.RecordEvery, c.Optimizer, c.LearningRate));
    }

    [Fact]
    public void Every_shipped_sweep_file_is_valid()
    {
        string dir = Path.Combine(Backprop.Tests.Shared.Repository.Root(), "experiments");
        string[] files = [.. Directory.GetFiles(dir, "*.json"), .. Directory.GetFiles(Path.Combine(dir, "papers"), "*.json")];
        Assert.Contains(files, f => f.EndsWith("quickstart.json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("schoenholz-2017.quick.json", StringComparison.Ordinal));
        foreach (string file in files.Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)))
        {
            SweepSpec spec = SweepFile.Load(file);
            Assert.True(spec.TrialCount > 0, file);
        }
        Assert.Equal(48, SweepFile.Load(Path.Combine(dir, "bench-sweep.json")).TrialCount);
    }

    [Theory]
    [InlineData("""{ "name": "x", "name": "y" }""", "$.name")]
    [InlineData("""{ "name": "x", "base": { "depth": 2, "width": 4, "depth": 3 } }""", "$.base.depth")]
    [InlineData("""{ "name": "x", "random": { "count": 2, "axes": { "depth": { "uniform": [2, 4], "uniform": [5, 6] } } } }""", "$.random.axes.depth.uniform")]
    [InlineData("""{ "name": "x", "$schema": "s", "description": "d", "grid": { "sigma_w2": [1, 2] }, "grid": { "sigma_w2": [3] } }""", "$.grid")]
    public void A_key_given_twice_at_any_depth_is_refused_with_its_path(string text, string path)
    {
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("dup.json", text));
        InputFileException duplicate = Assert.Single(e.All, p => p.Problem.Contains("appears more than once", StringComparison.Ordinal));
        Assert.Equal(path, duplicate.JsonPath);
    }

    [Fact]
    public void A_file_starting_with_a_utf8_byte_order_mark_is_read()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("backprop-bom-").FullName, "bom.json");
        try
        {
            File.WriteAllBytes(file, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(Minimal)]);
            Assert.Equal(2, SweepFile.Load(file).TrialCount);
            Assert.Equal(2, SweepFile.Parse("bom.json", "\uFEFF" + Minimal).TrialCount);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once_one_line_each()
    {
        const string text = """
            { "name": "a/b", "colour": 1,
              "base": { "depth": 0, "width": "wide", "learning_rate": 1e308, "seeds": 0 },
              "grid": { "sigma_w2": [1, -1, 2, -2], "dept": [2] },
              "random": { "count": 0, "axes": { "depth": { "uniform": [0, 3] } } } }
            """;
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("bad.json", text));
        Assert.Equal(
            ["$.colour", "$.name", "$.base.depth", "$.base.width", "$.base.learning_rate", "$.base.seeds", "$.grid.dept",
             "$.grid.sigma_w2[1]", "$.grid.sigma_w2[3]", "$.random.count", "$.random.axes.depth.uniform[0]"],
            e.All.Select(p => p.JsonPath));
        string[] lines = e.Message.Split('\n');
        Assert.Equal(e.All.Count, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("bad.json: $", l));
        Assert.Contains("expected a learning rate greater than 0 and at most 1000000, found 1E+308", e.Message);
        Assert.Contains("expected an integer from 1 to 100000, found the string \"wide\"", e.Message);
    }

    [Fact]
    public void More_problems_than_are_listed_are_counted_in_a_last_line()
    {
        string values = string.Join(", ", Enumerable.Repeat("-1", ProblemList.MaxReported + 7));
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("bad.json", $$"""{ "name": "s", "grid": { "depth": [{{values}}] } }"""));
        Assert.Equal(ProblemList.MaxReported + 1, e.All.Count);
        Assert.EndsWith("and 7 more problems not listed", e.All[^1].Message);
    }

    [Theory]
    [InlineData("""{ "name": "s", "base": { "depth": 1e12 } }""", "an integer")]
    [InlineData("""{ "name": "s", "base": { "seed": -1 } }""", "an integer seed from 0 to")]
    [InlineData("""{ "name": "s", "base": { "seed": 1.5 } }""", "an integer seed from 0 to")]
    [InlineData("""{ "name": "s", "random": { "count": 1, "seed": -1, "axes": { "depth": { "uniform": [2, 3] } } } }""", "an integer seed from 0 to 9223372036854775807")]
    [InlineData("""{ "name": "s", "base": { "steps": 1e10 } }""", "an integer from 0 to 1000000000")]
    public void Messages_say_what_kind_of_number_and_its_range_never_a_clr_type(string text, string expected)
    {
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("bad.json", text));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotMatch(@"System\.|Int32|Int64|UInt64|Double", e.Message);
    }

    [Fact]
    public void A_folder_is_reported_as_a_folder_and_a_results_folder_points_to_resume()
    {
        string folder = Directory.CreateTempSubdirectory("backprop-sweepdir-").FullName;
        try
        {
            var plain = Assert.Throws<InputFileException>(() => SweepFile.Load(folder));
            Assert.Contains("is a folder, not a file", plain.Message);
            File.WriteAllText(Path.Combine(folder, "sweep.json"), Minimal);
            var results = Assert.Throws<InputFileException>(() => SweepFile.Load(folder));
            Assert.Contains($"lab sweep --resume {folder}", results.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{ "name": "s", "base": { "width": 7000, "depth": 1, "samples": 1000000 } }""", "the dataset's inputs would be one array of 7,000,000,000 values")]
    [InlineData("""{ "name": "s", "base": { "width": 4, "depth": 1, "dataset": "teacher", "samples": 10000000, "input_dim": 10000 } }""", "the dataset's inputs would be one array of 100,000,000,000 values")]
    public void A_trial_whose_arrays_dotnet_cannot_hold_is_refused_before_it_runs(string text, string expected)
    {
        var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("big.json", text));
        Assert.Contains(expected, e.Message);
        Assert.Contains("cannot run", e.Message);
    }
}
