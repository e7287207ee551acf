using Backprop.Core.Randomness;

namespace Backprop.Core.Networks;

public enum InitializerKind
{
    /// <summary>W ~ N(0, sigma_w^2 / fan_in): the mean-field papers' parameterisation.</summary>
    Gaussian,
    /// <summary>W ~ U[-1/sqrt(fan_in), 1/sqrt(fan_in)]: Glorot and Bengio 2010, eq. 1 ("standard"), Var = 1/(3 fan_in).</summary>
    Standard,
    /// <summary>W ~ U[-a, a], a = gain sqrt(6 / (fan_in + fan_out)): Glorot and Bengio 2010, eq. 16 ("normalised").</summary>
    XavierUniform,
    /// <summary>W ~ N(0, gain^2 2 / (fan_in + fan_out)).</summary>
    XavierNormal,
    /// <summary>W ~ U[-a, a], a = sqrt(6 / fan_in): He et al. 2015, Var = 2 / fan_in.</summary>
    HeUniform,
    /// <summary>W ~ N(0, 2 / fan_in): He et al. 2015.</summary>
    HeNormal,
    /// <summary>W ~ N(0, 1 / fan_in): LeCun et al. 1998.</summary>
    LeCunNormal,
    /// <summary>W = gain Q with Q orthonormal from the QR of a Gaussian matrix (Saxe et al. 2014).</summary>
    Orthogonal,
}

/// <summary>
/// Weight and bias initialisation. Seeded through <see cref="Rng"/>, so the same seed gives bit-identical
/// parameters on every machine. Layer l draws from its own stream <c>Rng.DeriveSeed(seed, l)</c>, weights row
/// by row, then biases, so changing one layer's width does not change the draws of the others.
/// </summary>
public sealed record Initializer(InitializerKind Kind, double SigmaW = 1.0, double SigmaB = 0.0, double Gain = 1.0)
{
    public static IReadOnlyList<string> Names { get; } =
        ["gaussian", "standard", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal", "orthogonal"];

    public static bool TryParseKind(string text, out InitializerKind kind)
    {
        kind = text.Trim().ToLowerInvariant() switch
        {
            "gaussian" or "normal" => InitializerKind.Gaussian,
            "standard" or "standard_uniform" => InitializerKind.Standard,
            "xavier_uniform" or "glorot_uniform" or "normalized" or "normalised" => InitializerKind.XavierUniform,
            "xavier_normal" or "glorot_normal" => InitializerKind.XavierNormal,
            "he_uniform" or "kaiming_uniform" => InitializerKind.HeUniform,
            "he_normal" or "kaiming_normal" => InitializerKind.HeNormal,
            "lecun_normal" => InitializerKind.LeCunNormal,
            "orthogonal" => InitializerKind.Orthogonal,
            _ => (InitializerKind)(-1),
        };
        return Enum.IsDefined(kind);
    }

    public static string NameOf(InitializerKind kind) => kind switch
    {
        InitializerKind.Gaussian => "gaussian",
        InitializerKind.Standard => "standard",
        InitializerKind.XavierUniform => "xavier_uniform",
        InitializerKind.XavierNormal => "xavier_normal",
        InitializerKind.HeUniform => "he_uniform",
        InitializerKind.HeNormal => "he_normal",
        InitializerKind.LeCunNormal => "lecun_normal",
        InitializerKind.Orthogonal => "orthogonal",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Initialises every layer of <paramref name="network"/>.</summary>
    public void Initialize(Mlp network, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        for (int l = 0; l < network.Depth; l++)
        {
            InitializeLayer(network.Layers[l], new Rng(Rng.DeriveSeed(seed, (ulong)l)));
        }
    }

    /// <summary>Initialises one layer's weights and biases from <paramref name="rng"/>.</summary>
    public void InitializeLayer(DenseLayer layer, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(rng);
        int fanIn = layer.InputSize;
        int fanOut = layer.OutputSize;
        double[] w = layer.Weights;
        switch (Kind)
        {
            case InitializerKind.Gaussian:
                FillNormal(w, rng, SigmaW / Math.Sqrt(fanIn));
                break;
            case InitializerKind.Standard:
                FillUniform(w, rng, 1.0 / Math.Sqrt(fanIn));
                break;
            case InitializerKind.XavierUniform:
                FillUniform(w, rng, Gain * Math.Sqrt(6.0 / (fanIn + fanOut)));
                break;
            case InitializerKind.XavierNormal:
                FillNormal(w, rng, Gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
                break;
            case InitializerKind.HeUniform:
                FillUniform(w, rng, Math.Sqrt(6.0 / fanIn));
                break;
            case InitializerKind.HeNormal:
                FillNormal(w, rng, Math.Sqrt(2.0 / fanIn));
                break;
            case InitializerKind.LeCunNormal:
                FillNormal(w, rng, Math.Sqrt(1.0 / fanIn));
                break;
            case InitializerKind.Orthogonal:
                Orthogonal.Fill(w, fanOut, fanIn, Gain, rng);
                break;
            default:
                throw new InvalidOperationException($"unknown initialiser {Kind}");
        }
        if (SigmaB == 0.0)
        {
            Array.Clear(layer.Biases);
        }
        else
        {
            FillNormal(layer.Biases, rng, SigmaB);
        }
    }

    private static void FillNormal(double[] values, Rng rng, double std)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = std * rng.NextNormal();
        }
    }

    private static void FillUniform(double[] values, Rng rng, double limit)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextUniform(-limit, limit);
        }
    }
}
