using Backprop.Core.Experiments;
using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Experiments;

public class SweepGridTests
{
    // Grid axes of several sizes (one set twice: sigma_w then sigma_w2 of one value), random axes on numbers, a count
    // and a choice, and seeds: every digit of the mixed-radix index is exercised, and random access has to replay draws
    // across a checkpoint (1200 samples > 1024).
    private const string Mixed = """
        { "name": "m", "base": { "width": 4, "depth": 2, "seeds": 3, "seed": 7 },
          "grid": { "activation": ["tanh", "relu"], "depth": [1, 2, 3], "sigma_w2": [1.5], "learning_rate": [0.1, 0.01] },
          "random": { "count": 1200, "seed": 5, "axes": { "sigma_b": { "uniform": [0, 1] }, "init": { "choice": ["gaussian", "orthogonal", "he_normal"] } } } }
        """;

    private const string Small = """
        { "name": "s", "base": { "width": 4, "seeds": 2 },
          "grid": { "activation": ["tanh", "relu", "gelu"], "depth": [1, 2, 5], "batch_size": [8, 16] },
          "random": { "count": 4, "seed": 1, "axes": { "width": { "uniform": [2, 40] }, "optimizer": { "choice": ["sgd", "adam", "momentum"] } } } }
        """;

    [Fact]
    public void Index_to_trial_is_a_bijection_in_the_order_and_with_the_keys_of_the_full_expansion()
    {
        SweepSpec spec = SweepFile.Parse("m.json", Mixed, allowLarge: true);
        var grid = new SweepGrid(spec);
        IReadOnlyList<Trial> expected = FullExpansion(spec);

        Assert.Equal(expected.Count, grid.Count);
        Assert.Equal(expected.Select(t => t.Key), grid.From().Select(t => t.Key));
        Assert.Equal(expected.Select(t => t.Config), grid.From().Select(t => t.Config));
        Assert.Equal(expected.Count, expected.Select(t => t.Key).Distinct().Count());
        var rng = new Rng(11);
        for (int n = 0; n < 300; n++)
        {
            int i = rng.NextInt(expected.Count);
            Assert.Equal(expected[i], grid.At(i));
            Assert.Equal(i, grid.IndexOf(expected[i].Key, expected[i].Config));
            Assert.Equal(expected.Skip(i).Take(40).Select(t => t.Key), grid.From(i).Take(40).Select(t => t.Key));
        }
    }

    [Fact]
    public void A_configuration_or_key_not_of_the_sweep_has_no_index()
    {
        var grid = new SweepGrid(SweepFile.Parse("s.json", Small));
        Trial trial = grid.At(17);

        Assert.Null(grid.IndexOf(trial.Key, trial.Config with { Depth = 4 }));
        Assert.Null(grid.IndexOf(trial.Key, trial.Config with { Seed = 2 }));
        Assert.Null(grid.IndexOf(trial.Key, trial.Config with { Width = 41 }));
        Assert.Null(grid.IndexOf("0123456789abcdef", trial.Config));
        Assert.Equal(17, grid.IndexOf(trial.Key, trial.Config));
    }

    [Fact]
    public void Varying_fields_are_those_that_differ_over_every_trial()
    {
        foreach (string text in new[] { Mixed, Small, """{ "name": "c", "base": { "width": 4 }, "grid": { "width": [8], "depth": [2, 3] } }""" })
        {
            SweepSpec spec = SweepFile.Parse("v.json", text, allowLarge: true);
            Assert.Equal(SweepAxes.Varying(spec.Expand().Select(t => t.Config)), new SweepGrid(spec).Varying());
        }
    }

    [Fact]
    public void Memory_candidates_include_the_trial_that_needs_the_most_and_the_extremes_bound_it()
    {
        var grid = new SweepGrid(SweepFile.Parse("s.json", Small));
        long largest = grid.From().Max(t => TrialMemory.Estimate(t.Config).Bytes);

        Assert.Equal(largest, grid.MemoryCandidates().Max(c => TrialMemory.Estimate(c).Bytes));
        Assert.True(grid.Extremes().Max(c => TrialMemory.Estimate(c).Bytes) >= largest);
        // One per optimizer drawn: the categories are crossed, the sizes at their largest.
        Assert.Equal(grid.From().Select(t => t.Config.Optimizer).Distinct().Count(), grid.Extremes().Count());
    }

    [Fact]
    public void Only_the_memory_fields_change_a_trials_memory_estimate()
    {
        var config = new TrialConfig { Depth = 3, Width = 20, Dataset = "teacher", Optimizer = "adam" };
        long bytes = TrialMemory.Estimate(config).Bytes;
        TrialConfig[] others =
        [
            config with { Activation = "relu" }, config with { SigmaW2 = 2 }, config with { SigmaB = 0.5 }, config with { Gain = 3 },
            config with { Loss = "mse" }, config with { LearningRate = 0.5 }, config with { Seed = 9 }, config with { ResidualScale = "1/sqrt(L)" },
        ];
        Assert.All(others, c => Assert.Equal(bytes, TrialMemory.Estimate(c).Bytes));
        Assert.Equal(14, SweepGrid.MemoryFields.Count);
        Assert.True(TrialMemory.Estimate(config with { Norm = "layernorm" }).Bytes > bytes);
        Assert.True(TrialMemory.Estimate(config with { Architecture = "residual", Depth = 5 }).Bytes > TrialMemory.Estimate(config with { Depth = 5 }).Bytes);
    }

    [Fact]
    public void A_billion_trials_are_counted_and_reached_without_making_them()
    {
        const string text = """
            { "name": "big", "base": { "width": 2, "depth": 1, "steps": 0, "samples": 4 },
              "grid": { "learning_rate": { "log": [1e-6, 1], "count": 1000 }, "sigma_w2": { "linear": [0.5, 4], "count": 1000 }, "sigma_b": { "linear": [0, 1], "count": 1000 } } }
            """;
        long before = GC.GetAllocatedBytesForCurrentThread();
        SweepSpec spec = SweepFile.Parse("big.json", text, allowLarge: true);
        var grid = new SweepGrid(spec);
        Trial last = grid.At(grid.Count - 1);

        Assert.Equal(1_000_000_000, grid.Count);
        Assert.Equal(grid.Count - 1, grid.IndexOf(last.Key, last.Config));
        Assert.Equal(1.0, last.Config.LearningRate, 12);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
    }

    /// <summary>The sweep's trials made all at once, as a list per step: the reference order and keys a results folder has.</summary>
    private static List<Trial> FullExpansion(SweepSpec spec)
    {
        var configs = new List<TrialConfig> { spec.Base };
        foreach (SweepAxis axis in spec.Grid)
        {
            configs = configs.SelectMany(c => axis.Values.Select(v => Apply(c, axis.Field, v))).ToList();
        }
        if (spec.Random is RandomSamples random)
        {
            var rng = new Rng(random.Seed);
            var samples = new List<TrialConfig>();
            for (int s = 0; s < random.Count; s++)
            {
                var draws = random.Axes.Select(a => (a.Field, Value: a.Draw(rng))).ToArray();
                samples.AddRange(configs.Select(c => draws.Aggregate(c, (acc, d) => Apply(acc, d.Field, d.Value))));
            }
            configs = samples;
        }
        var trials = new List<Trial>();
        foreach (TrialConfig c in configs)
        {
            for (int s = 0; s < spec.Seeds; s++)
            {
                TrialConfig withSeed = c with { Seed = spec.Base.Seed + (ulong)s };
                trials.Add(new Trial(withSeed.Key(), withSeed));
            }
        }
        return trials;
    }

    private static TrialConfig Apply(TrialConfig c, string field, object value) => SweepFields.Find(field)!.Apply(c, value);
}
