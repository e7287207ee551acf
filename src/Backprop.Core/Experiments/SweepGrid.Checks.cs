using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments;

/// <summary>
/// What is known of a sweep's trials without making them: which fields vary, whether two trials coincide, and which few
/// configurations bound every trial's memory. Each looks at the axes one by one (and at the random samples, at most a
/// million), never at their product.
/// </summary>
public sealed partial class SweepGrid
{
    /// <summary>
    /// The fields <see cref="TrialMemory.Estimate"/> reads: a trial's memory depends on these alone. The Core tests check
    /// that changing any other field leaves the estimate as it is.
    /// </summary>
    internal static readonly IReadOnlySet<string> MemoryFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "depth", "width", "dataset", "samples", "input_dim", "batch_size", "steps", "record_every", "optimizer", "init",
        "architecture", "block_depth", "block_form", "norm",
    };

    // The memory estimate grows with each of these fields (and shrinks as record_every grows); the others are categories.
    private static readonly IReadOnlySet<string> Growing = new HashSet<string>(StringComparer.Ordinal)
    {
        "depth", "width", "samples", "input_dim", "batch_size", "steps",
    };

    /// <summary>
    /// When the memory fields of a sweep take at most this many combinations, every one is estimated; beyond it, the
    /// largest value of each growing field with every combination of the categories (see <see cref="MemoryCandidates"/>).
    /// </summary>
    public const long ExactMemoryCombinations = 100_000;

    private RandomSummary? _summary;

    /// <summary>One pass over the random samples: each sample's signature, the first repeated one, and each field's values.</summary>
    private sealed record RandomSummary(Dictionary<ulong, int> Samples, int? Repeat, IReadOnlyDictionary<string, List<object>> Values);

    private RandomSummary Summary()
    {
        if (_summary is null)
        {
            RandomSamples random = _spec.Random!;
            var samples = new Dictionary<ulong, int>();
            var values = random.Axes.Select(a => Written(a.Field)).Distinct(StringComparer.Ordinal)
                .ToDictionary(n => n, _ => new List<object>(), StringComparer.Ordinal);
            var seen = values.Keys.ToDictionary(n => n, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            int? repeat = null;
            var rng = new Rng(random.Seed);
            for (int s = 0; s < random.Count; s++)
            {
                object[] draws = Draw(rng);
                TrialConfig config = _spec.Base;
                for (int a = 0; a < draws.Length; a++)
                {
                    config = SweepFields.Find(random.Axes[a].Field)!.Apply(config, draws[a]);
                }
                var fields = config.Fields().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
                string signature = Signature(fields);
                // Equal hashes of different signatures are as unlikely as equal keys; the repeat is confirmed all the same.
                if (!samples.TryAdd(Hash(signature), s) && repeat is null && Signature(At((long)samples[Hash(signature)] * _points * _spec.Seeds).Config) == signature)
                {
                    repeat = s;
                }
                for (int a = 0; a < draws.Length; a++)
                {
                    string name = Written(random.Axes[a].Field);
                    if (seen[name].Add(fields[name]))
                    {
                        values[name].Add(draws[a]);
                    }
                }
            }
            _summary = new RandomSummary(samples, repeat, values);
        }
        return _summary;
    }

    private string Signature(TrialConfig config) => Signature(config.Fields().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));

    /// <summary>
    /// Why two trials of the sweep coincide, with one of them, or null when all differ: an axis repeats a value (as its
    /// field spells it), an axis of several values is set again by a later axis, or two random samples draw alike.
    /// </summary>
    public string? Repeated()
    {
        for (int i = 0; i < _fields.Length; i++)
        {
            int count = _spec.Grid[i].Values.Count;
            int distinct = AxisIndex(i).Count;
            if (distinct < count || (count > 1 && Overwritten(i)))
            {
                int digit = distinct < count ? FirstRepeat(i) : 1;
                return Identical(PointIndex(i, digit));
            }
        }
        if (_spec.Random is not null && Summary().Repeat is int sample)
        {
            return Identical((long)sample * _points * _spec.Seeds);
        }
        return null;
    }

    private string Identical(long index) =>
        $"two trials are identical ({At(index).Config.Label()}): an axis repeats a value, or a random axis drew the same value twice";

    private int FirstRepeat(int i)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<object> values = _spec.Grid[i].Values;
        for (int v = 0; v < values.Count; v++)
        {
            if (!seen.Add(FieldValue(_fields[i].Apply(_spec.Base, values[v]), Written(_fields[i].Name))))
            {
                return v;
            }
        }
        return 0;
    }

    /// <summary>The first trial whose grid axis <paramref name="axis"/> has value number <paramref name="digit"/> and every other coordinate 0.</summary>
    private long PointIndex(int axis, int digit)
    {
        long point = 0;
        for (int i = 0; i < _fields.Length; i++)
        {
            point = point * _spec.Grid[i].Values.Count + (i == axis ? digit : 0);
        }
        return point * _spec.Seeds;
    }

    /// <summary>
    /// The fields whose value differs between some trials, in the order of <see cref="TrialConfig.Fields"/>: what
    /// <see cref="SweepAxes.Varying"/> finds over all trials, found from the axes (each sets one field, and no two
    /// trials coincide).
    /// </summary>
    public IReadOnlyList<string> Varying()
    {
        var varying = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _fields.Length; i++)
        {
            if (!Overwritten(i) && AxisIndex(i).Count > 1)
            {
                varying.Add(Written(_fields[i].Name));
            }
        }
        if (_spec.Random is not null)
        {
            foreach (var (name, values) in Summary().Values)
            {
                if (values.Count > 1)
                {
                    varying.Add(name);
                }
            }
        }
        if (_spec.Seeds > 1)
        {
            varying.Add("seed");
        }
        return new TrialConfig().Fields().Select(f => f.Key).Where(varying.Contains).ToArray();
    }

    /// <summary>
    /// Configurations whose memory estimates bound every trial's (<see cref="TrialMemory"/>). Trials differing only in
    /// other fields than <see cref="MemoryFields"/> need the same memory, so when those fields take at most
    /// <see cref="ExactMemoryCombinations"/> combinations, one trial of each combination is returned, in the sweep's order
    /// (the largest and the first with a problem are what a check over every trial finds). Otherwise each growing field
    /// takes its largest value (record_every its smallest) with every combination of dataset, optimizer and init: a
    /// bound, since each part of the estimate grows with those fields (see the note on <see cref="TrialMemory"/>).
    /// </summary>
    public IEnumerable<TrialConfig> MemoryCandidates()
    {
        var grid = Enumerable.Range(0, _fields.Length)
            .Where(i => MemoryFields.Contains(Written(_fields[i].Name)) && !Overwritten(i) && _spec.Grid[i].Values.Count > 1).ToArray();
        bool random = _spec.Random?.Axes.Any(a => MemoryFields.Contains(Written(a.Field))) ?? false;
        long combinations = random ? _samples : 1;
        foreach (int i in grid)
        {
            combinations = combinations > ExactMemoryCombinations ? combinations : combinations * _spec.Grid[i].Values.Count;
        }
        return combinations <= ExactMemoryCombinations ? Combinations(grid, random) : Extremes();
    }

    private IEnumerable<TrialConfig> Combinations(int[] axes, bool random)
    {
        Rng? rng = random ? new Rng(_spec.Random!.Seed) : null;
        var digits = new int[_fields.Length];
        for (int sample = 0; sample < (random ? _samples : 1); sample++)
        {
            object[]? draws = rng is null ? null : Draw(rng);
            Array.Clear(digits);
            while (true)
            {
                // Random draws are applied even when only the grid's memory fields vary: they are part of every trial.
                yield return Build(digits, draws ?? (_spec.Random is null ? null : FirstDraws()));
                int k = axes.Length - 1;
                for (; k >= 0; k--)
                {
                    if (++digits[axes[k]] < _spec.Grid[axes[k]].Values.Count)
                    {
                        break;
                    }
                    digits[axes[k]] = 0;
                }
                if (k < 0)
                {
                    break;
                }
            }
        }
    }

    private object[]? _firstDraws;

    private object[] FirstDraws() => _firstDraws ??= Draw(new Rng(_spec.Random!.Seed));

    internal IEnumerable<TrialConfig> Extremes()
    {
        // Every value each memory field takes, with the field that sets it: grid values, or the values drawn.
        var options = new Dictionary<string, List<(SweepFields.Field Field, object Value)>>(StringComparer.Ordinal);
        for (int i = 0; i < _fields.Length; i++)
        {
            string name = Written(_fields[i].Name);
            if (MemoryFields.Contains(name) && !Overwritten(i))
            {
                options[name] = _spec.Grid[i].Values.Select(v => (_fields[i], v)).ToList();
            }
        }
        if (_spec.Random is not null)
        {
            foreach (var (name, values) in Summary().Values)
            {
                if (MemoryFields.Contains(name))
                {
                    SweepFields.Field field = SweepFields.Find(_spec.Random.Axes.Last(a => Written(a.Field) == name).Field)!;
                    options[name] = values.Select(v => (field, v)).ToList();
                }
            }
        }
        IEnumerable<TrialConfig> configs = [_spec.Base];
        foreach (var (name, values) in options)
        {
            if (Growing.Contains(name) || name == "record_every")
            {
                var ordered = values.OrderBy(v => Convert.ToDouble(v.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                var (field, value) = name == "record_every" ? ordered[0] : ordered[^1];
                configs = configs.Select(c => field.Apply(c, value)).ToArray();
            }
            else
            {
                configs = configs.SelectMany(c => values.Select(v => v.Field.Apply(c, v.Value))).ToArray();
            }
        }
        return configs;
    }
}
