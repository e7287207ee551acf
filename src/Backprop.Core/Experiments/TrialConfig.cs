using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Backprop.Core.Networks;

namespace Backprop.Core.Experiments;

/// <summary>
/// One network configuration and how to train it: the unit of work of a sweep. The network is
/// <see cref="Depth"/> hidden layers of <see cref="Width"/> units with <see cref="Activation"/>, then an identity
/// readout to the dataset's outputs, except for the Gaussian dataset, whose cotangent is applied to the last
/// hidden layer directly (no readout), as in signal-propagation theory.
/// </summary>
public sealed record TrialConfig
{
    public int Depth { get; init; } = 10;
    public int Width { get; init; } = 64;
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

    /// <summary>Loss name, or null for the dataset's own (mse, softmax_cross_entropy, linear).</summary>
    public string? Loss { get; init; }

    public int BatchSize { get; init; } = 64;
    public int Steps { get; init; } = 100;
    public double LearningRate { get; init; } = 0.01;
    public string Optimizer { get; init; } = "sgd";
    public int RecordEvery { get; init; } = 10;

    /// <summary>The seed of this trial: initial weights, data and batch order derive from it.</summary>
    public ulong Seed { get; init; }

    [JsonIgnore]
    public Activation ParsedActivation => Networks.Activation.TryParse(Activation, out Activation a)
        ? a : throw new InvalidOperationException($"unknown activation {Activation}");

    [JsonIgnore]
    public InitializerKind ParsedInit => Initializer.TryParseKind(Init, out InitializerKind k)
        ? k : throw new InvalidOperationException($"unknown initialiser {Init}");

    /// <summary>
    /// The canonical text of this configuration: every field, in a fixed order, numbers in round-trip form,
    /// names in their canonical spelling. Two configurations are the same trial exactly when these agree.
    /// </summary>
    public string Canonical()
    {
        var b = new StringBuilder();
        void Add(string key, string value) => b.Append(key).Append('=').Append(value).Append(';');
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        Add("depth", Depth.ToString(CultureInfo.InvariantCulture));
        Add("width", Width.ToString(CultureInfo.InvariantCulture));
        // Invalid names are kept as written so even a broken configuration has a key (and a failed result).
        Add("activation", Networks.Activation.TryParse(Activation, out Activation a) ? a.ToString() : Activation);
        Add("init", Initializer.TryParseKind(Init, out InitializerKind k) ? Initializer.NameOf(k) : Init);
        Add("sigma_w2", N(SigmaW2));
        Add("sigma_b", N(SigmaB));
        Add("gain", N(Gain));
        Add("dataset", Dataset);
        Add("samples", Samples.ToString(CultureInfo.InvariantCulture));
        Add("input_dim", InputDim.ToString(CultureInfo.InvariantCulture));
        Add("loss", Loss ?? "default");
        Add("batch_size", BatchSize.ToString(CultureInfo.InvariantCulture));
        Add("steps", Steps.ToString(CultureInfo.InvariantCulture));
        Add("learning_rate", N(LearningRate));
        Add("optimizer", Optimizer);
        Add("record_every", RecordEvery.ToString(CultureInfo.InvariantCulture));
        Add("seed", Seed.ToString(CultureInfo.InvariantCulture));
        return b.ToString();
    }

    /// <summary>
    /// A stable trial key: the first 16 hex digits of SHA-256 over <see cref="Canonical"/>, so the same trial is
    /// recognised across runs, machines and sweep files (field order and spelling in the file do not matter).
    /// </summary>
    /// <summary>
    /// Relative cost of training this trial (multiply-adds of its matrix products, up to a constant), for scheduling
    /// the longest trials first: with trials of very different lengths, starting a long one last leaves every other
    /// worker idle while it finishes.
    /// </summary>
    public double EstimatedCost() => (double)Steps * BatchSize * Depth * Width * Width;

    public string Key() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical())))[..16];

    /// <summary>A short human label, e.g. "tanh L=16 N=64 sw2=1.5 seed=0".</summary>
    public string Label() => FormattableString.Invariant(
        $"{ParsedActivation} L={Depth} N={Width} {(ParsedInit == InitializerKind.Gaussian ? $"sw2={SigmaW2:G4}" : Init)} seed={Seed}");
}
