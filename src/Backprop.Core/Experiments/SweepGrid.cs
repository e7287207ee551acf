using System.Security.Cryptography;
using System.Text;
using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments;

/// <summary>
/// The trials of a sweep as an indexed sequence computed on demand, so no step of a sweep holds them all. Trial i is a
/// mixed-radix number: i = (r G + g) S + s with the random sample r outermost, then the grid point g (the first grid axis
/// its most significant digit), then s, the index among the seeds, innermost; G is the grid's size and S the seeds per configuration.
/// Sample r draws its random axes from the sweep's random seed after samples 0..r-1 have drawn theirs, so random access
/// replays draws from the nearest of a checkpoint kept every <see cref="CheckpointEvery"/> samples. The order and the keys
/// are those of the sweep file as ever: a results folder resumes with the same trials whatever the size of the sweep.
/// </summary>
public sealed partial class SweepGrid : ITrialSequence
{
    /// <summary>Samples between two kept random-generator states: at most a million samples keep under a thousand.</summary>
    private const int CheckpointEvery = 1024;

    private readonly SweepSpec _spec;
    private readonly SweepFields.Field[] _fields;
    private readonly long _points;
    private readonly int _samples;
    private Rng[]? _checkpoints;

    /// <summary>Makes the grid of <paramref name="spec"/>; throws <see cref="OverflowException"/> when it has more than <see cref="long.MaxValue"/> trials.</summary>
    public SweepGrid(SweepSpec spec)
        : this(spec, long.MaxValue)
    {
    }

    private SweepGrid(SweepSpec spec, long limit)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _fields = spec.Grid.Select(a => SweepFields.Find(a.Field)!).ToArray();
        long points = 1;
        foreach (SweepAxis axis in spec.Grid)
        {
            points = checked(points * axis.Values.Count);
        }
        _points = points;
        _samples = spec.Random?.Count ?? 1;
        Count = Math.Min(limit, checked(checked(points * _samples) * spec.Seeds));
    }

    /// <summary>The first <paramref name="count"/> trials of this grid (all of them if it has fewer): a sample to measure with.</summary>
    public SweepGrid Take(long count) => new(_spec, Math.Min(count, Count));

    /// <summary>The number of trials.</summary>
    public long Count { get; }

    public SweepSpec Spec => _spec;

    /// <summary>Trial <paramref name="index"/> (0 &lt;= index &lt; <see cref="Count"/>).</summary>
    public Trial At(long index) => From(index).First();

    /// <summary>The trials from <paramref name="start"/> to the end, in order, each made as it is reached.</summary>
    public IEnumerable<Trial> From(long start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (start >= Count)
        {
            yield break;
        }
        int seeds = _spec.Seeds;
        int seed = (int)(start % seeds);
        long rest = start / seeds;
        long sample = rest / _points;
        int[] digits = Digits(rest % _points);
        Rng? rng = _spec.Random is null ? null : RngBefore((int)sample);
        object[]? draws = rng is null ? null : Draw(rng);
        for (long index = start; ;)
        {
            TrialConfig config = Build(digits, draws);
            for (; seed < seeds && index < Count; seed++, index++)
            {
                TrialConfig withSeed = config with { Seed = _spec.Base.Seed + (ulong)seed };
                yield return new Trial(withSeed.Key(), withSeed);
            }
            if (index >= Count)
            {
                yield break;
            }
            seed = 0;
            if (!Next(digits) && rng is not null)
            {
                draws = Draw(rng);
            }
        }
    }

    /// <summary>
    /// The index of the trial with key <paramref name="key"/> whose configuration is <paramref name="config"/>, or null when
    /// the sweep has no such trial: each axis's value is looked up in the field it sets, and the trial found must have the
    /// key. A result line's key and configuration both come from the line, so a line of another sweep is never taken.
    /// </summary>
    public long? IndexOf(string key, TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(config);
        var fields = config.Fields().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        long point = 0;
        for (int i = 0; i < _fields.Length; i++)
        {
            int digit = 0;
            if (!Overwritten(i))
            {
                int? found = AxisIndex(i).TryGetValue(fields[Written(_fields[i].Name)], out int d) ? d : null;
                if (found is null)
                {
                    return null;
                }
                digit = found.Value;
            }
            point = point * _spec.Grid[i].Values.Count + digit;
        }
        long sample = 0;
        if (_spec.Random is not null)
        {
            if (!Summary().Samples.TryGetValue(Hash(Signature(fields)), out int r))
            {
                return null;
            }
            sample = r;
        }
        ulong offset = config.Seed - _spec.Base.Seed;
        if (config.Seed < _spec.Base.Seed || offset >= (ulong)_spec.Seeds)
        {
            return null;
        }
        long index = (sample * _points + point) * _spec.Seeds + (long)offset;
        return index < Count && At(index).Key == key ? index : null;
    }

    /// <summary>
    /// The name a sweep field has in <see cref="TrialConfig.Fields"/>: each field sets exactly one. A scale's two forms
    /// set one field: the weight scale is kept as a variance (sigma_w2), the bias scale as a std (sigma_b).
    /// </summary>
    internal static string Written(string field) => field switch
    {
        "sigma_w" => "sigma_w2",
        "sigma_b2" => "sigma_b",
        _ => field,
    };

    /// <summary>Whether grid axis <paramref name="i"/> is set again by a later grid axis or a random axis (so only its first value shows).</summary>
    private bool Overwritten(int i)
    {
        string name = Written(_fields[i].Name);
        return _fields.Skip(i + 1).Any(f => Written(f.Name) == name)
            || (_spec.Random?.Axes.Any(a => Written(a.Field) == name) ?? false);
    }

    private readonly Dictionary<int, Dictionary<string, int>> _axisIndex = [];

    /// <summary>Grid axis <paramref name="i"/>'s values, as <see cref="TrialConfig.Fields"/> spells them, to their position.</summary>
    private Dictionary<string, int> AxisIndex(int i)
    {
        lock (_axisIndex)
        {
            if (!_axisIndex.TryGetValue(i, out Dictionary<string, int>? index))
            {
                index = new Dictionary<string, int>(StringComparer.Ordinal);
                IReadOnlyList<object> values = _spec.Grid[i].Values;
                for (int v = 0; v < values.Count; v++)
                {
                    index.TryAdd(FieldValue(_fields[i].Apply(_spec.Base, values[v]), Written(_fields[i].Name)), v);
                }
                _axisIndex[i] = index;
            }
            return index;
        }
    }

    private static string FieldValue(TrialConfig config, string name) => config.Fields().First(f => f.Key == name).Value;

    private int[] Digits(long point)
    {
        var digits = new int[_fields.Length];
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int radix = _spec.Grid[i].Values.Count;
            digits[i] = (int)(point % radix);
            point /= radix;
        }
        return digits;
    }

    /// <summary>Moves to the next grid point (the last axis fastest); false when the grid wraps round to its first point.</summary>
    private bool Next(int[] digits)
    {
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            if (++digits[i] < _spec.Grid[i].Values.Count)
            {
                return true;
            }
            digits[i] = 0;
        }
        return false;
    }

    private TrialConfig Build(int[] digits, object[]? draws)
    {
        TrialConfig c = _spec.Base;
        for (int i = 0; i < _fields.Length; i++)
        {
            c = _fields[i].Apply(c, _spec.Grid[i].Values[digits[i]]);
        }
        if (draws is not null)
        {
            IReadOnlyList<RandomAxis> axes = _spec.Random!.Axes;
            for (int a = 0; a < axes.Count; a++)
            {
                c = SweepFields.Find(axes[a].Field)!.Apply(c, draws[a]);
            }
        }
        return c;
    }

    /// <summary>One sample's draws, one per random axis in order (the order the sweep file's samples are drawn in).</summary>
    private object[] Draw(Rng rng) => _spec.Random!.Axes.Select(a => a.Draw(rng)).ToArray();

    /// <summary>The random generator as it stands before sample <paramref name="sample"/> draws.</summary>
    private Rng RngBefore(int sample)
    {
        Rng[] checkpoints = Checkpoints();
        Rng rng = checkpoints[sample / CheckpointEvery].Clone();
        for (int skip = sample % CheckpointEvery; skip > 0; skip--)
        {
            Draw(rng);
        }
        return rng;
    }

    private Rng[] Checkpoints()
    {
        if (_checkpoints is null)
        {
            var rng = new Rng(_spec.Random!.Seed);
            var kept = new Rng[(_samples + CheckpointEvery - 1) / CheckpointEvery];
            for (int s = 0; s < _samples; s++)
            {
                if (s % CheckpointEvery == 0)
                {
                    kept[s / CheckpointEvery] = rng.Clone();
                }
                Draw(rng);
            }
            _checkpoints = kept;
        }
        return _checkpoints;
    }

    /// <summary>The values of the fields the random axes set, "name=value;" each: what tells two samples apart.</summary>
    private string Signature(IReadOnlyDictionary<string, string> fields)
    {
        var b = new StringBuilder();
        foreach (string name in _spec.Random!.Axes.Select(a => Written(a.Field)).Distinct(StringComparer.Ordinal))
        {
            b.Append(name).Append('=').Append(fields[name]).Append(';');
        }
        return b.ToString();
    }

    private static ulong Hash(string signature) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(signature)), 0);
}
