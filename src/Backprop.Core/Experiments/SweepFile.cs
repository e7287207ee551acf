using System.Text.Json;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// Reads and validates a sweep file. Everything a user can get wrong is reported as an
/// <see cref="InputFileException"/> naming the file, the JSON path and what was expected, before any trial runs; every
/// problem of the file at once (<see cref="InputFileException.All"/>), up to <see cref="ProblemList.MaxReported"/>.
/// </summary>
public static class SweepFile
{
    private static readonly string[] TopLevel = ["$schema", "name", "description", "paper", "base", "grid", "random"];

    private static readonly string[] BaseOnly = ["seeds", "seed", "jacobian", Widths];

    /// <summary>The hidden layers' widths, one a layer: base-only, since a list of lists as an axis would be a second grammar.</summary>
    private const string Widths = "widths";

    /// <summary>The most hidden layers <see cref="Widths"/> may list: depth's maximum.</summary>
    public const int MaxWidthsLength = 10_000;

    /// <summary>The largest first seed: seeds are added to it, and the sum must stay a valid seed.</summary>
    public const long MaxSeed = long.MaxValue / 2;

    public static SweepSpec Load(string file, bool allowLarge = false)
    {
        if (Directory.Exists(file) && File.Exists(Path.Combine(file, "sweep.json")))
        {
            throw new InputFileException(file, "$", $"is a results folder, not a sweep file; to finish that sweep: lab sweep --resume {file}");
        }
        using JsonDocument document = JsonField.ParseFile(file, maxBytes: 4 * 1024 * 1024);
        string text = File.ReadAllText(file);
        return Parse(new JsonField(file, "$", document.RootElement), text, allowLarge);
    }

    public static SweepSpec Parse(string file, string text, bool allowLarge = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        string json = text.StartsWith('\uFEFF') ? text[1..] : text;
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new InputFileException(file, "$", "file is empty; expected a JSON object");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InputFileException(file, "$", $"not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", e);
        }
        using (document)
        {
            return Parse(new JsonField(file, "$", document.RootElement), text, allowLarge);
        }
    }

    internal static SweepSpec Parse(JsonField root, string text, bool allowLarge)
    {
        var problems = new ProblemList();
        root.ExpectObject(problems, TopLevel);
        problems.AddRange(root.DuplicateKeys());
        string name = "";
        problems.Try(() =>
        {
            JsonField nameField = root.Required("name", "the sweep's name (letters, digits, '.', '_' and '-')");
            name = nameField.ExpectString();
            if (!SweepSpec.NamePattern().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
            {
                throw nameField.Error($"expected a name of 1 to 100 letters, digits, '.', '_' or '-' not starting with '.' and without \"..\" (it names the results folder), found \"{name}\"");
            }
        });
        string? description = null;
        problems.Try(() => description = root.Optional("description")?.ExpectString());
        string? paper = null;
        problems.Try(() =>
        {
            if (root.Optional("paper") is JsonField paperField)
            {
                paper = paperField.ExpectString();
                if (!SweepSpec.PaperPattern().IsMatch(paper))
                {
                    throw paperField.Error($"expected the name of a reproduction (lab reproduce --list), found \"{paper}\"");
                }
            }
        });

        var (baseConfig, seeds) = ParseBase(root.Optional("base"), problems);
        var grid = new List<SweepAxis>();
        if (root.Optional("grid") is JsonField gridField)
        {
            problems.Try(() =>
            {
                gridField.ExpectObject(problems, [.. SweepFields.Names, Widths]);
                CheckAlternatives(gridField, problems);
                CheckAxesAgainstWidths(gridField, baseConfig, problems);
                foreach (JsonProperty p in gridField.Element.EnumerateObject())
                {
                    if (SweepFields.Find(p.Name) is SweepFields.Field field)
                    {
                        problems.Try(() => grid.Add(ParseAxis(gridField.Child(p.Name, p.Value), field, problems)));
                    }
                }
            });
        }
        RandomSamples? random = null;
        if (root.Optional("random") is JsonField r)
        {
            problems.Try(() => random = ParseRandom(r, baseConfig, problems));
        }
        problems.ThrowIfAny();

        var spec = new SweepSpec(name, description, baseConfig, grid, random, seeds, text) { Paper = paper };
        long count = spec.TrialCount;
        if (count == long.MaxValue)
        {
            throw root.Error($"the sweep expands to more than 9e18 trials; at most {long.MaxValue - 1} can be numbered, even with --allow-large");
        }
        if (count > SweepSpec.MaxTrials && !allowLarge)
        {
            throw root.Error($"the sweep expands to {count.ToString(System.Globalization.CultureInfo.InvariantCulture)} trials; more than {SweepSpec.MaxTrials} are refused unless --allow-large is given");
        }
        CheckTrials(root, new SweepGrid(spec));
        return spec;
    }

    /// <summary>sigma_w or sigma_w2, sigma_b or sigma_b2: the same scale twice in one object is refused, not silently resolved.</summary>
    private static void CheckAlternatives(JsonField obj, ProblemList problems)
    {
        foreach (var (std, variance) in SweepFields.Alternatives)
        {
            if (obj.Optional(std) is not null && obj.Optional(variance) is JsonField both)
            {
                problems.Add(both.Error($"give either {std} (the std) or {variance} (the variance), not both"));
            }
        }
    }

    /// <summary>
    /// An axes object (grid or random.axes): "widths" is refused as an axis, and so are "depth" and "width" when the base
    /// sets widths, which fixes both.
    /// </summary>
    private static void CheckAxesAgainstWidths(JsonField axes, TrialConfig baseConfig, ProblemList problems)
    {
        if (axes.Optional(Widths) is JsonField widths)
        {
            problems.Add(widths.Error("\"widths\" is base-only: set it in \"base\"; a sweep over layer widths varies \"width\" or \"depth\" as axes"));
        }
        foreach (string name in new[] { "depth", "width" })
        {
            if (baseConfig.Widths is not null && axes.Optional(name) is JsonField axis)
            {
                problems.Add(axis.Error($"\"{name}\" cannot be an axis when base sets \"widths\", which gives every hidden layer's width and their number"));
            }
        }
    }

    /// <summary>The hidden layers' widths from the stem up: 1 to <see cref="MaxWidthsLength"/> integers, each in width's range.</summary>
    private static int[] ReadWidths(JsonField value)
    {
        IReadOnlyList<JsonField> items = value.Element.ValueKind == JsonValueKind.Array
            ? value.ExpectArray()
            : throw value.Error($"expected an array of 1 to {MaxWidthsLength} layer widths, found {JsonField.Describe(value.Element)}");
        if (items.Count is 0 or > MaxWidthsLength)
        {
            throw value.Error($"expected an array of 1 to {MaxWidthsLength} layer widths, found {items.Count}");
        }
        SweepFields.Field width = SweepFields.Find("width")!;
        var widths = new int[items.Count];
        var problems = new ProblemList();
        for (int i = 0; i < items.Count; i++)
        {
            int at = i;
            problems.Try(() => widths[at] = (int)width.Read(items[at]));
        }
        problems.ThrowIfAny();
        return widths;
    }

    private static (TrialConfig Config, int Seeds) ParseBase(JsonField? field, ProblemList problems)
    {
        var config = new TrialConfig();
        int seeds = 1;
        if (field is not JsonField b)
        {
            return (config, seeds);
        }
        if (!problems.Try(() => b.ExpectObject(problems, [.. SweepFields.Names, .. BaseOnly])))
        {
            return (config, seeds);
        }
        CheckAlternatives(b, problems);
        if (b.Optional(Widths) is JsonField widthsField)
        {
            foreach (string name in new[] { "width", "depth" })
            {
                if (b.Optional(name) is not null)
                {
                    problems.Add(widthsField.Error($"give either \"widths\" (every hidden layer's width, and so the depth) or \"{name}\", not both"));
                }
            }
        }
        foreach (JsonProperty p in b.Element.EnumerateObject())
        {
            JsonField value = b.Child(p.Name, p.Value);
            problems.Try(() =>
            {
                switch (p.Name)
                {
                    case "seeds":
                        seeds = (int)value.ExpectInteger(1, 10_000, "a number of seeds per configuration from 1 to 10000");
                        break;
                    case "seed":
                        config = config with { Seed = (ulong)value.ExpectInteger(0, MaxSeed, $"an integer seed from 0 to {MaxSeed}") };
                        break;
                    case "jacobian":
                        config = config with { Jacobian = ReadJacobian(value) };
                        break;
                    case Widths:
                        config = config with { Widths = ReadWidths(value) };
                        break;
                    default:
                        if (p.Value.ValueKind != JsonValueKind.Null && SweepFields.Find(p.Name) is SweepFields.Field f)
                        {
                            config = f.Apply(config, f.Read(value));
                        }
                        break;
                }
            });
        }
        return (config, seeds);
    }

    /// <summary>A measurement option rather than a network: set once for the sweep in its base, never an axis.</summary>
    private static JacobianMode ReadJacobian(JsonField value)
    {
        string name = value.ExpectString();
        foreach (JacobianMode mode in Enum.GetValues<JacobianMode>())
        {
            if (Serialization.SnakeCaseEnumConverter<JacobianMode>.Name(mode) == name)
            {
                return mode;
            }
        }
        throw value.Error($"expected \"auto\", \"exact\", \"estimate\" or \"off\", found \"{name}\"");
    }

    /// <summary>An axis: a list of values, or {"linear": [a, b], "count": n} / {"log": [a, b], "count": n} for numeric fields.</summary>
    private static SweepAxis ParseAxis(JsonField axis, SweepFields.Field field, ProblemList problems)
    {
        var values = new List<object>();
        if (axis.Element.ValueKind == JsonValueKind.Array)
        {
            IReadOnlyList<JsonField> items = axis.ExpectArray();
            if (items.Count == 0)
            {
                throw axis.Error("the axis is empty; expected at least one value");
            }
            // Each bad value is its own problem; the sweep is refused before the axis is used.
            foreach (JsonField item in items)
            {
                problems.Try(() => values.Add(field.Read(item)));
            }
        }
        else if (axis.Element.ValueKind == JsonValueKind.Object)
        {
            if (!field.Numeric)
            {
                throw axis.Error($"\"{field.Name}\" is not numeric; expected a list of values");
            }
            axis.ExpectObject("linear", "log", "count");
            JsonField? linear = axis.Optional("linear"), log = axis.Optional("log");
            if ((linear is null) == (log is null))
            {
                throw axis.Error("expected exactly one of \"linear\": [from, to] or \"log\": [from, to], with \"count\"");
            }
            JsonField range = (linear ?? log)!.Value;
            IReadOnlyList<JsonField> ends = range.ExpectArray();
            if (ends.Count != 2)
            {
                throw range.Error($"expected [from, to], found {ends.Count} values");
            }
            double a = ends[0].ExpectFiniteNumber(), b = ends[1].ExpectFiniteNumber();
            field.Read(ends[0]);
            field.Read(ends[1]);
            if (log is not null && !(a > 0 && b > 0))
            {
                throw range.Error("a log range needs both ends > 0");
            }
            int count = (int)axis.Required("count", "the number of values, an integer >= 1").ExpectInteger(1, 100_000, "a count from 1 to 100000");
            for (int i = 0; i < count; i++)
            {
                double t = count == 1 ? 0 : (double)i / (count - 1);
                double v = linear is not null ? a + t * (b - a) : a * Math.Pow(b / a, t);
                object value = field.FromNumber!(v);
                if (!values.Contains(value))
                {
                    values.Add(value);
                }
            }
        }
        else
        {
            throw axis.Error($"expected a list of values or a range object, found {JsonField.Describe(axis.Element)}");
        }
        return new SweepAxis(field.Name, values);
    }

    private static RandomSamples ParseRandom(JsonField r, TrialConfig baseConfig, ProblemList problems)
    {
        r.ExpectObject(problems, "count", "seed", "axes");
        int count = 1;
        ulong seed = 0;
        problems.Try(() => count = (int)r.Required("count", "the number of random samples").ExpectInteger(1, 1_000_000, "a sample count from 1 to 1000000"));
        problems.Try(() => seed = (ulong)(r.Optional("seed")?.ExpectInteger(0, long.MaxValue, $"an integer seed from 0 to {long.MaxValue}") ?? 0));
        JsonField axesField = r.Required("axes", "an object of random axes");
        axesField.ExpectObject(problems, [.. SweepFields.Names, Widths]);
        CheckAxesAgainstWidths(axesField, baseConfig, problems);
        var axes = new List<RandomAxis>();
        foreach (JsonProperty p in axesField.Element.EnumerateObject())
        {
            if (SweepFields.Find(p.Name) is SweepFields.Field field)
            {
                problems.Try(() => axes.Add(ParseRandomAxis(axesField.Child(p.Name, p.Value), field)));
            }
        }
        if (!axesField.Element.EnumerateObject().Any())
        {
            throw axesField.Error("expected at least one random axis");
        }
        return new RandomSamples(count, seed, axes);
    }

    private static RandomAxis ParseRandomAxis(JsonField a, SweepFields.Field field)
    {
        a.ExpectObject("uniform", "log_uniform", "choice");
        var kinds = a.Element.EnumerateObject().Select(x => x.Name).ToArray();
        if (kinds.Length != 1)
        {
            throw a.Error("expected exactly one of \"uniform\": [low, high], \"log_uniform\": [low, high] or \"choice\": [values]");
        }
        JsonField spec = a.Child(kinds[0], a.Element.GetProperty(kinds[0]));
        if (kinds[0] == "choice")
        {
            IReadOnlyList<JsonField> items = spec.ExpectArray(minLength: 1);
            return new RandomAxis(field.Name, "choice", 0, 0, items.Select(field.Read).ToArray());
        }
        if (!field.Numeric)
        {
            throw spec.Error($"\"{field.Name}\" is not numeric; use \"choice\"");
        }
        IReadOnlyList<JsonField> ends = spec.ExpectArray();
        if (ends.Count != 2)
        {
            throw spec.Error($"expected [low, high], found {ends.Count} values");
        }
        double low = ends[0].ExpectFiniteNumber(), high = ends[1].ExpectFiniteNumber();
        field.Read(ends[0]);
        field.Read(ends[1]);
        if (!(low <= high) || (kinds[0] == "log_uniform" && !(low > 0)))
        {
            throw spec.Error(kinds[0] == "log_uniform" ? "expected 0 < low <= high" : "expected low <= high");
        }
        return new RandomAxis(field.Name, kinds[0], low, high, null);
    }

    /// <summary>
    /// Checks every configuration is buildable (parameter budget, arrays .NET can hold, a memory size that can be counted:
    /// <see cref="TrialMemory"/>) and that no two trials coincide, without making the trials: the sizes from
    /// <see cref="SweepGrid.MemoryCandidates"/>, the repeats from <see cref="SweepGrid.Repeated"/>. Every problem is
    /// reported, each once.
    /// </summary>
    private static void CheckTrials(JsonField root, SweepGrid grid)
    {
        var problems = new ProblemList();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        void Report(string problem)
        {
            if (reported.Add(problem))
            {
                problems.Add(root.Error(problem));
            }
        }
        foreach (TrialConfig c in grid.MemoryCandidates())
        {
            var (_, dIn, dOut) = Datasets.Shape(c.Dataset, c.Samples, c.Width, c.InputDim, c.TopWidth);
            long parameters = (long)dIn * c.Width + (TrialRunner.HasReadout(c) ? (long)c.TopWidth * dOut : 0);
            for (int l = 1; l < c.Depth && parameters <= SweepSpec.MaxParameters; l++)
            {
                parameters += (long)c.HiddenWidth(l - 1) * c.HiddenWidth(l);
            }
            if (parameters > SweepSpec.MaxParameters)
            {
                Report($"trial {c.Label()} would have about {parameters} parameters; at most {SweepSpec.MaxParameters} are allowed per network");
            }
            else if (c.ParsedArchitecture.Problem(c.Depth) is string architecture)
            {
                Report($"trial {c.Label()}: {architecture}");
            }
            else if (c.Widths is int[] widths && c.ParsedArchitecture.WidthProblem(widths) is string unequal)
            {
                Report($"trial {c.Label()}: {unequal}");
            }
            else if (c.Jacobian == JacobianMode.Exact && c.TopWidth > JacobianProbe.MaxExactWidth)
            {
                Report($"trial {c.Label()} asks for the exact Jacobian spectrum at width {c.TopWidth}; at most {JacobianProbe.MaxExactWidth} (\"jacobian\": \"estimate\" measures any width)");
            }
            else if (TrialMemory.Estimate(c) is { Problem: string tooLarge } estimate)
            {
                Report($"{estimate.Trial} cannot run: {tooLarge}");
            }
            if (problems.Count >= ProblemList.MaxReported)
            {
                break;
            }
        }
        if (grid.Repeated() is string repeated)
        {
            Report(repeated);
        }
        problems.ThrowIfAny();
    }
}
