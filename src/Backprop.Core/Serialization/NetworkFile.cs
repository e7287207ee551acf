using System.Text.Json;
using Backprop.Core.Networks;

namespace Backprop.Core.Serialization;

/// <summary>One layer as written in a network file; explicit parameters (and a norm's gain and bias) are optional.</summary>
public sealed record LayerDefinition(int Units, Activation Activation, double[]? Weights, double[]? Biases, double[]? NormGain = null, double[]? NormBias = null);

/// <summary>
/// A network file: architecture, loss, initialiser and, optionally, explicit weights and biases per layer.
/// Layers without explicit weights are initialised from "init" with the file's seed; a layer with explicit
/// weights and no biases gets zero biases. The format is documented in docs/networks.md.
/// </summary>
public sealed record NetworkDefinition(int Inputs, IReadOnlyList<LayerDefinition> Layers, Loss Loss, Initializer Initializer, ulong Seed)
{
    /// <summary>Plain or residual, and the norm of the hidden layers (every layer but the last, the output layer).</summary>
    public Architecture Architecture { get; init; } = Architecture.Plain;

    /// <summary>Refuse networks whose parameters would not fit comfortably in memory (8 bytes each).</summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>Builds the network with its initial (or explicit) parameters.</summary>
    public Mlp Build()
    {
        (LayerSpec[] specs, ResidualBlock[] blocks) = Architecture.Apply(Layers.Select(l => new LayerSpec(l.Units, l.Activation)).ToArray(), Layers.Count - 1);
        var network = new Mlp(Inputs, specs, blocks);
        for (int l = 0; l < Layers.Count; l++)
        {
            DenseLayer layer = network.Layers[l];
            LayerDefinition definition = Layers[l];
            if (definition.Weights is null)
            {
                Initializer.InitializeLayer(layer, new Randomness.Rng(Randomness.Rng.DeriveSeed(Seed, (ulong)l)));
            }
            else
            {
                definition.Weights.CopyTo(layer.Weights, 0);
                Array.Clear(layer.Biases);
            }
            definition.Biases?.CopyTo(layer.Biases, 0);
            definition.NormGain?.CopyTo(layer.NormGain, 0);
            definition.NormBias?.CopyTo(layer.NormBias, 0);
        }
        return network;
    }

    /// <summary>Reads and validates a network file.</summary>
    public static NetworkDefinition Load(string file)
    {
        using JsonDocument document = JsonField.ParseFile(file);
        var root = new JsonField(file, "$", document.RootElement);
        root.RefuseDuplicateKeys();
        return Parse(root);
    }

    internal static NetworkDefinition Parse(JsonField root)
    {
        root.ExpectObject("inputs", "layers", "loss", "init", "seed", "description", "architecture", "block_depth", "residual_scale", "block_form", "norm");
        int inputs = (int)root.Required("inputs", "the number of input features, an integer >= 1").ExpectInteger(1, 1_000_000, "an integer from 1 to 1000000");
        Loss loss = ParseName<Loss>(root.Optional("loss"), "loss", Loss.TryParse, Loss.Names, Loss.MeanSquaredError);
        ulong seed = 0;
        if (root.Optional("seed") is JsonField seedField)
        {
            seed = (ulong)seedField.ExpectInteger(0, long.MaxValue, "a non-negative integer seed");
        }
        Initializer initializer = ParseInitializer(root.Optional("init"));

        IReadOnlyList<JsonField> layerFields = root.Required("layers", "an array of layers").ExpectArray(minLength: 1);
        var layers = new List<LayerDefinition>(layerFields.Count);
        int fanIn = inputs;
        long parameters = 0;
        foreach (JsonField field in layerFields)
        {
            field.ExpectObject("units", "activation", "weights", "biases", "norm_gain", "norm_bias");
            int units = (int)field.Required("units", "the layer's width, an integer >= 1").ExpectInteger(1, 1_000_000, "an integer from 1 to 1000000");
            parameters += (long)units * fanIn + units;
            if (parameters > MaxParameters)
            {
                throw field.Error($"the network would have over {MaxParameters} parameters; refusing to allocate it");
            }
            Activation activation = ParseName<Activation>(field.Optional("activation"), "activation", Activation.TryParse, Activation.Names, Activation.Identity);
            double[]? weights = field.Optional("weights")?.ExpectMatrix(units, fanIn, $"one per unit of this layer", $"one per unit of the layer below", out _, out _);
            double[]? biases = field.Optional("biases")?.ExpectVector(units, "one per unit");
            double[]? gain = field.Optional("norm_gain")?.ExpectVector(units, "one per unit");
            double[]? shift = field.Optional("norm_bias")?.ExpectVector(units, "one per unit");
            layers.Add(new LayerDefinition(units, activation, weights, biases, gain, shift));
            fanIn = units;
        }
        Architecture architecture = ParseArchitecture(root, layerFields.Count - 1);
        for (int l = 0; l < layers.Count; l++)
        {
            bool normed = architecture.Norm != Normalization.None && l < layers.Count - 1;
            if (!normed && (layerFields[l].Optional("norm_gain") ?? layerFields[l].Optional("norm_bias")) is JsonField stray)
            {
                throw stray.Error(l == layers.Count - 1 ? "the output layer has no norm; norm_gain and norm_bias belong to hidden layers" : "norm_gain and norm_bias need \"norm\": \"layernorm\"");
            }
            if (architecture.Residual && l >= 1 && l < layers.Count - 1 && layers[l].Units != layers[0].Units)
            {
                throw layerFields[l].Error($"a residual network's hidden layers all have the stem's width ({layers[0].Units} units), for the identity skips; this one has {layers[l].Units}");
            }
        }
        return new NetworkDefinition(inputs, layers, loss, initializer, seed) { Architecture = architecture };
    }

    /// <summary>The architecture fields, named as in sweep files; <paramref name="hidden"/> is the number of hidden layers.</summary>
    private static Architecture ParseArchitecture(JsonField root, int hidden)
    {
        var architecture = new Architecture
        {
            Residual = ParseName<bool>(root.Optional("architecture"), "architecture", Architecture.TryParseKind, Architecture.KindNames, false),
            Form = ParseName<BlockForm>(root.Optional("block_form"), "block form", Architecture.TryParseForm, Architecture.FormNames, BlockForm.Pre),
            Norm = ParseName<Normalization>(root.Optional("norm"), "norm", Architecture.TryParseNorm, Architecture.NormNames, Normalization.None),
            BlockDepth = (int?)root.Optional("block_depth")?.ExpectInteger(1, 10_000, "an integer from 1 to 10000") ?? 2,
            ResidualScale = root.Optional("residual_scale") is JsonField scale ? ParseScale(scale) : "1",
        };
        if (!architecture.Residual)
        {
            foreach (string name in (string[])["block_depth", "residual_scale", "block_form"])
            {
                if (root.Optional(name) is JsonField stray)
                {
                    throw stray.Error($"{name} applies to \"architecture\": \"residual\" only");
                }
            }
        }
        if (architecture.Problem(hidden) is string problem)
        {
            throw root.Required("layers", "").Error(problem.Replace("hidden layers", "hidden layers (every layer but the output layer)", StringComparison.Ordinal));
        }
        return architecture;
    }

    private static string ParseScale(JsonField field)
    {
        if (field.Element.ValueKind == JsonValueKind.Number)
        {
            return field.ExpectNumber(0, 1e6, "a residual scale from 0 to 1000000").ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        string text = field.ExpectString();
        return Architecture.IsScale(text) ? text.Replace(" ", "", StringComparison.Ordinal)
            : throw field.Error($"expected a residual scale: a number, or \"c/sqrt(L)\" or \"c/L\" with L the number of blocks, found \"{text}\"");
    }

    private static Initializer ParseInitializer(JsonField? field)
    {
        if (field is not JsonField init)
        {
            return new Initializer(InitializerKind.Gaussian);
        }
        init.ExpectObject("weights", "sigma_w", "sigma_w2", "sigma_b", "sigma_b2", "gain");
        InitializerKind kind = ParseName<InitializerKind>(init.Optional("weights"), "initialiser", Initializer.TryParseKind, Initializer.Names, InitializerKind.Gaussian);
        double sigmaW = 1.0;
        JsonField? sw = init.Optional("sigma_w");
        JsonField? sw2 = init.Optional("sigma_w2");
        if (sw is not null && sw2 is not null)
        {
            throw sw2.Value.Error("give either sigma_w (the std) or sigma_w2 (the variance), not both");
        }
        if (sw is JsonField swField)
        {
            sigmaW = swField.ExpectNumber(0, 1e6, "a weight std sigma_w >= 0");
        }
        else if (sw2 is JsonField sw2Field)
        {
            sigmaW = Math.Sqrt(sw2Field.ExpectNumber(0, 1e12, "a weight variance sigma_w^2 >= 0"));
        }
        JsonField? sb = init.Optional("sigma_b");
        JsonField? sb2 = init.Optional("sigma_b2");
        if (sb is not null && sb2 is not null)
        {
            throw sb2.Value.Error("give either sigma_b (the std) or sigma_b2 (the variance), not both");
        }
        double sigmaB = sb?.ExpectNumber(0, 1e6, "a bias std sigma_b >= 0")
            ?? (sb2 is JsonField sb2Field ? Math.Sqrt(sb2Field.ExpectNumber(0, 1e12, "a bias variance sigma_b^2 >= 0")) : 0.0);
        double gain = init.Optional("gain")?.ExpectNumber(0, 1e6, "a gain >= 0") ?? 1.0;
        return new Initializer(kind, sigmaW, sigmaB, gain);
    }

    private delegate bool TryParseName<T>(string text, out T value);

    /// <summary>A named choice (loss, activation, initialiser): the default when absent, an error naming the known ones when unknown.</summary>
    private static T ParseName<T>(JsonField? field, string what, TryParseName<T> tryParse, IReadOnlyList<string> known, T fallback)
    {
        if (field is not JsonField f)
        {
            return fallback;
        }
        string name = f.ExpectString();
        return tryParse(name, out T value) ? value : throw f.Error(Unknown(what, name, known));
    }

    internal static string Unknown(string what, string name, IEnumerable<string> known)
    {
        string? guess = JsonField.Suggest(name, known);
        string hint = guess is null ? "" : $"; did you mean \"{guess}\"?";
        string why = what == "norm" && Architecture.IsBatchNorm(name) ? "; " + Architecture.BatchNormRefusal : "";
        return $"unknown {what} \"{name}\"{hint} (expected one of: {string.Join(", ", known)}){why}";
    }
}
