using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Backprop.Core.Networks;

namespace Backprop.Core.Experiments;

/// <summary>
/// One network configuration and how to train it: the unit of work of a sweep. The network is
/// <see cref="Depth"/> hidden layers of <see cref="Width"/> units (or of <see cref="Widths"/>, one a layer) with <see cref="Activation"/>, then an identity
/// readout to the dataset's outputs, except for the Gaussian dataset, whose cotangent is applied to the last
/// hidden layer directly (no readout), as in signal-propagation theory.
/// </summary>
public sealed record TrialConfig
{
    private readonly int _depth = 10, _width = 64;

    /// <summary>Hidden layers: the length of <see cref="Widths"/> when it is set.</summary>
    public int Depth { get => Widths?.Length ?? _depth; init => _depth = value; }

    /// <summary>
    /// Units per hidden layer, or the first hidden layer's (the stem's) when <see cref="Widths"/> is set: the width the
    /// gaussian dataset's inputs have, and the one the residual blocks keep.
    /// </summary>
    public int Width { get => Widths is { Length: > 0 } w ? w[0] : _width; init => _width = value; }

    /// <summary>
    /// The hidden layers' widths from the first (the stem) up, or null for <see cref="Depth"/> layers of <see cref="Width"/>
    /// units. Left out of the stored configuration when null, and of <see cref="Canonical"/>, so the keys of trials that
    /// do not set it are those they have always had.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? Widths { get; init; }

    /// <summary>The units of hidden layer <paramref name="layer"/> (0-based).</summary>
    public int HiddenWidth(int layer) => Widths?[layer] ?? Width;

    /// <summary>The units of the last hidden layer: the rows of the Jacobian d x_D / d x_1 and the gaussian dataset's cotangent.</summary>
    [JsonIgnore]
    public int TopWidth => Widths is { Length: > 0 } w ? w[^1] : Width;

    /// <summary>Whether every hidden layer has the same width.</summary>
    [JsonIgnore]
    public bool UniformWidth => Widths is null || Widths.All(w => w == Widths[0]);
    public string Activation { get; init; } = "tanh";
    public string Init { get; init; } = "gaussian";

    /// <summary>sigma_w^2: W ~ N(0, sigma_w^2 / fan_in) for the gaussian initialiser.</summary>
    public double SigmaW2 { get; init; } = 1.0;

    /// <summary>sigma_b: biases ~ N(0, sigma_b^2); 0 gives zero biases.</summary>
    public double SigmaB { get; init; }

    /// <summary>Gain for xavier_* and orthogonal.</summary>
    public double Gain { get; init; } = 1.0;

    public string Dataset { get; init; } = Data.Datasets.Gaussian;

    /// <summary>Generated examples (teacher, gaussian, spirals, xor); digits always has 1797.</summary>
    public int Samples { get; init; } = 256;

    /// <summary>Input dimension of the teacher dataset.</summary>
    public int InputDim { get; init; } = 16;

    /// <summary>
    /// The factor every input of the dataset is multiplied by (after the targets are made): for the gaussian dataset the
    /// inputs' standard deviation, which sets the first layer's length q^1 = sigma_w^2 input_scale^2 + sigma_b^2.
    /// </summary>
    public double InputScale { get; init; } = 1.0;

    /// <summary>Loss name, or null for the dataset's own (mse, softmax_cross_entropy, linear).</summary>
    public string? Loss { get; init; }

    public int BatchSize { get; init; } = 64;
    public int Steps { get; init; } = 100;
    public double LearningRate { get; init; } = 0.01;
    public string Optimizer { get; init; } = "sgd";
    public int RecordEvery { get; init; } = 10;

    /// <summary>This trial's seed: initial weights, data and batch order derive from it.</summary>
    public ulong Seed { get; init; }

    /// <summary>"plain" or "residual" (<see cref="Networks.Architecture"/>): the hidden layers, the first as a stem and the others in blocks.</summary>
    public string Architecture { get; init; } = "plain";

    /// <summary>Layers in each residual block.</summary>
    public int BlockDepth { get; init; } = 2;

    /// <summary>The residual branch scale alpha: a number, or c/sqrt(L) or c/L with L the number of blocks.</summary>
    public string ResidualScale { get; init; } = "1";

    /// <summary>"pre" (nothing after the skip sum) or "post" (the activation after it).</summary>
    public string BlockForm { get; init; } = "pre";

    /// <summary>"none" or "layernorm", for every hidden layer.</summary>
    public string Norm { get; init; } = "none";

    /// <summary>The architecture these fields name (invalid names read as their defaults; <see cref="SweepFields"/> refuses them).</summary>
    [JsonIgnore]
    public Architecture ParsedArchitecture => new()
    {
        Residual = Networks.Architecture.TryParseKind(Architecture, out bool residual) && residual,
        BlockDepth = BlockDepth,
        ResidualScale = ResidualScale,
        Form = Networks.Architecture.TryParseForm(BlockForm, out BlockForm form) ? form : Networks.BlockForm.Pre,
        Norm = Networks.Architecture.TryParseNorm(Norm, out Normalization norm) ? norm : Normalization.None,
    };

    /// <summary>
    /// Whether and how the Jacobian spectrum is measured at step 0 and at the end (<see cref="JacobianProbe"/>). It does
    /// not change the training; it is left out of the stored configuration and of <see cref="Fields"/> at its default,
    /// so the keys of trials that do not set it are those they have always had.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JacobianMode Jacobian { get; init; }

    [JsonIgnore]
    public Activation ParsedActivation => Networks.Activation.TryParse(Activation, out Activation a)
        ? a : throw new InvalidOperationException($"unknown activation {Activation}");

    [JsonIgnore]
    public InitializerKind ParsedInit => Initializer.TryParseKind(Init, out InitializerKind k)
        ? k : throw new InvalidOperationException($"unknown initialiser {Init}");

    /// <summary>
    /// Every field of this configuration as (name, value), in a fixed order, with the names of the sweep file and
    /// summary.csv, numbers in round-trip form and names in their canonical spelling: what <see cref="Canonical"/>
    /// hashes, and what tells apart the trials of a sweep (<see cref="SweepAxes"/>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields()
    {
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> fields =
        [
            new("depth", I(Depth)),
            new("width", I(Width)),
            new("widths", Widths is null ? "default" : string.Join('-', Widths.Select(I))),
            // Invalid names are kept as written so even a broken configuration has a key (and a failed result).
            new("activation", Networks.Activation.TryParse(Activation, out Activation a) ? a.ToString() : Activation),
            new("init", Initializer.TryParseKind(Init, out InitializerKind k) ? Initializer.NameOf(k) : Init),
            new("sigma_w2", N(SigmaW2)),
            new("sigma_b", N(SigmaB)),
            new("gain", N(Gain)),
            new("dataset", Dataset),
            new("samples", I(Samples)),
            new("input_dim", I(InputDim)),
            new("input_scale", N(InputScale)),
            new("loss", Loss ?? "default"),
            new("batch_size", I(BatchSize)),
            new("steps", I(Steps)),
            new("learning_rate", N(LearningRate)),
            new("optimizer", Optimizer),
            new("record_every", I(RecordEvery)),
            new("seed", Seed.ToString(CultureInfo.InvariantCulture)),
            new("architecture", Architecture),
            new("block_depth", I(BlockDepth)),
            new("residual_scale", ResidualScale),
            new("block_form", BlockForm),
            new("norm", Norm),
            new("jacobian", Serialization.SnakeCaseEnumConverter<JacobianMode>.Name(Jacobian)),
        ];
        return fields;
    }

    /// <summary>
    /// The fields <see cref="Canonical"/> leaves out while they hold these values, so that the keys of trials written
    /// before those fields existed stay what they were: a plain, unnormalised network measured as by default is the same
    /// trial as it was. <see cref="Fields"/> lists every field always, so that the fields of any two trials line up.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> OmittedAtDefault = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["architecture"] = "plain", ["block_depth"] = "2", ["residual_scale"] = "1", ["block_form"] = "pre", ["norm"] = "none",
        ["jacobian"] = "auto", ["widths"] = "default", ["input_scale"] = "1",
    };

    /// <summary>
    /// The canonical text of this configuration: every field of <see cref="Fields"/> as "name=value;". Two
    /// configurations are the same trial exactly when these agree.
    /// </summary>
    public string Canonical()
    {
        var b = new StringBuilder();
        foreach (var (name, value) in Fields())
        {
            if (OmittedAtDefault.TryGetValue(name, out string? omitted) && value == omitted)
            {
                continue;
            }
            b.Append(name).Append('=').Append(value).Append(';');
        }
        return b.ToString();
    }

    /// <summary>
    /// Relative cost of training this trial (multiply-adds of its matrix products, up to a constant), for scheduling
    /// the longest trials first: with trials of very different lengths, starting a long one last leaves every other
    /// worker idle while it finishes.
    /// </summary>
    public double EstimatedCost()
    {
        // sum_l n_(l-1) n_l over the hidden layers, n_0 taken as the stem's width: Depth * Width^2 for equal widths.
        double products = 0;
        for (int l = 0; l < Depth; l++)
        {
            products += (double)HiddenWidth(Math.Max(l - 1, 0)) * HiddenWidth(l);
        }
        return (double)Steps * BatchSize * products;
    }

    /// <summary>
    /// A stable trial key: the first 16 hex digits of SHA-256 over <see cref="Canonical"/>, so the same trial is
    /// recognised across runs, machines and sweep files (field order and spelling in the file do not matter).
    /// </summary>
    public string Key() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical())))[..16];

    /// <summary>
    /// A short human label, e.g. "tanh L=16 N=64 sw2=1.5 seed=0" (N=64-32-16 with per-layer widths; the initialiser's
    /// name instead of sw2 unless it is gaussian), with "name=value" for each of <paramref name="alsoShow"/> it does not already show: the other axes
    /// of a sweep, so that no two trials of a sweep have the same label (<see cref="SweepAxes.Varying"/>). Values
    /// are exact (round-trip), so close random draws do not print alike.
    /// </summary>
    public string Label(IEnumerable<string>? alsoShow = null)
    {
        var fields = Fields().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        bool gaussian = fields["init"] == Initializer.NameOf(InitializerKind.Gaussian);
        var b = new StringBuilder($"{fields["activation"]} L={fields["depth"]} N={(Widths is null ? fields["width"] : fields["widths"])} ");
        b.Append(gaussian ? "sw2=" + fields["sigma_w2"] : fields["init"]);
        foreach (string field in alsoShow ?? [])
        {
            if (!SweepAxes.InLabel(field, gaussian) && fields.TryGetValue(field, out string? value))
            {
                b.Append(' ').Append(field).Append('=').Append(value);
            }
        }
        return b.Append(" seed=").Append(fields["seed"]).ToString();
    }
}
