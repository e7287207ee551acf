using System.Text.Json;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// The fields a sweep's base configuration and axes may set: one entry per field with its JSON name, how a
/// JSON value is checked and read, and how it is applied to a <see cref="TrialConfig"/>. The sweep-file
/// reference in docs/sweeps.md and experiments/sweep.schema.json document the same fields (a test checks the two agree).
/// </summary>
internal static class SweepFields
{
    /// <summary>
    /// A field: its JSON name, how a value is read and applied, and for numeric fields the documented range
    /// [<see cref="Min"/>, <see cref="Max"/>] (the minimum excluded when <see cref="ExclusiveMin"/>), which
    /// experiments/sweep.schema.json repeats.
    /// </summary>
    internal sealed record Field(string Name, bool Numeric, bool Integer, Func<JsonField, object> Read, Func<TrialConfig, object, TrialConfig> Apply,
        Func<double, object>? FromNumber = null, double Min = double.NaN, double Max = double.NaN, bool ExclusiveMin = false);

    private static Field Int(string name, long min, long max, Func<TrialConfig, int, TrialConfig> apply) => new(
        name, true, true,
        f => (int)f.ExpectInteger(min, max, $"an integer from {min} to {max}"),
        (c, v) => apply(c, (int)v),
        v => (int)Math.Round(v),
        min, max);

    /// <summary>A real field; <paramref name="what"/> ("a learning rate") is followed by its range in messages.</summary>
    private static Field Real(string name, double min, double max, bool exclusiveMin, string what, Func<TrialConfig, double, TrialConfig> apply)
    {
        string range = exclusiveMin ? $"{what} greater than {N(min)} and at most {N(max)}" : $"{what} from {N(min)} to {N(max)}";
        return new(
            name, true, false,
            f =>
            {
                double v = f.ExpectNumber(min, max, range);
                return exclusiveMin && v == min ? throw f.Error($"expected {range}, found {N(v)}") : v;
            },
            (c, v) => apply(c, (double)v),
            v => v,
            min, max, exclusiveMin);
    }

    private static string N(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static Field Name(string name, IReadOnlyList<string> known, Func<string, bool> valid, Func<TrialConfig, string, TrialConfig> apply) => new(
        name, false, false,
        f =>
        {
            string s = f.ExpectString();
            return valid(s) ? s : throw f.Error(NetworkDefinition.Unknown(name.Replace('_', ' '), s, known));
        },
        (c, v) => apply(c, (string)v));

    public static readonly IReadOnlyList<Field> All =
    [
        Int("depth", 1, 10_000, (c, v) => c with { Depth = v }),
        Int("width", 1, 100_000, (c, v) => c with { Width = v }),
        Name("activation", Networks.Activation.Names, s => Networks.Activation.TryParse(s, out _), (c, v) => c with { Activation = v }),
        Name("init", Initializer.Names, s => Initializer.TryParseKind(s, out _), (c, v) => c with { Init = v }),
        Real("sigma_w", 0, 1e3, false, "a weight std sigma_w", (c, v) => c with { SigmaW2 = v * v }),
        Real("sigma_w2", 0, 1e6, false, "a weight variance sigma_w^2", (c, v) => c with { SigmaW2 = v }),
        Real("sigma_b", 0, 1e3, false, "a bias std sigma_b", (c, v) => c with { SigmaB = v }),
        Real("sigma_b2", 0, 1e6, false, "a bias variance sigma_b^2", (c, v) => c with { SigmaB = Math.Sqrt(v) }),
        Real("gain", 0, 1e3, false, "a gain", (c, v) => c with { Gain = v }),
        Name("dataset", Datasets.Names, s => Datasets.Names.Contains(s), (c, v) => c with { Dataset = v }),
        Int("samples", 1, 10_000_000, (c, v) => c with { Samples = v }),
        Int("input_dim", 1, 100_000, (c, v) => c with { InputDim = v }),
        Real("input_scale", 0, 1e6, true, "an input scale", (c, v) => c with { InputScale = v }),
        Name("loss", Loss.Names, s => Loss.TryParse(s, out _), (c, v) => c with { Loss = Loss.TryParse((string)v, out Loss l) ? l.Name : null }),
        Int("batch_size", 1, 1_000_000, (c, v) => c with { BatchSize = v }),
        Int("steps", 0, 1_000_000_000, (c, v) => c with { Steps = v }),
        Real("learning_rate", 0, 1e6, true, "a learning rate", (c, v) => c with { LearningRate = v }),
        Name("optimizer", Networks.Optimizer.Names, s => Networks.Optimizer.Names.Contains(s), (c, v) => c with { Optimizer = v }),
        Int("record_every", 1, 1_000_000_000, (c, v) => c with { RecordEvery = v }),
        Name("architecture", Networks.Architecture.KindNames, s => Networks.Architecture.TryParseKind(s, out _), (c, v) => c with { Architecture = v }),
        Int("block_depth", 1, 10_000, (c, v) => c with { BlockDepth = v }),
        Scale("residual_scale", (c, v) => c with { ResidualScale = v }),
        Name("block_form", Networks.Architecture.FormNames, s => Networks.Architecture.TryParseForm(s, out _), (c, v) => c with { BlockForm = v }),
        Name("norm", Networks.Architecture.NormNames, s => Networks.Architecture.TryParseNorm(s, out _), (c, v) => c with { Norm = v }),
    ];

    /// <summary>
    /// The residual branch scale: a number (kept as written, in round-trip form) or a depth scaling "c/sqrt(L)" or "c/L";
    /// not numeric for axes, since "1/sqrt(L)" is not a number (a grid lists the values).
    /// </summary>
    private static Field Scale(string name, Func<TrialConfig, string, TrialConfig> apply) => new(
        name, false, false,
        f =>
        {
            if (f.Element.ValueKind == System.Text.Json.JsonValueKind.Number)
            {
                return N(f.ExpectNumber(0, 1e6, "a residual scale from 0 to 1000000"));
            }
            string s = f.ExpectString();
            return Networks.Architecture.IsScale(s) ? s.Replace(" ", "", StringComparison.Ordinal)
                : throw f.Error($"expected a residual scale: a number, or \"c/sqrt(L)\" or \"c/L\" with L the number of blocks, found \"{s}\"");
        },
        (c, v) => apply(c, (string)v));

    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToArray();

    /// <summary>A scale given as a std or as a variance: an object (base, grid or random axes) names at most one of each pair.</summary>
    public static IReadOnlyList<(string Std, string Variance)> Alternatives { get; } = [("sigma_w", "sigma_w2"), ("sigma_b", "sigma_b2")];

    public static Field? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
