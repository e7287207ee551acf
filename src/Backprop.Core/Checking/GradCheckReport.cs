namespace Backprop.Core.Checking;

/// <summary>One checked entry: analytic a, numeric n, their difference and relative error, and its judgement.</summary>
public sealed record EntryCheck(
    string Label, int Index, double Analytic, double Numeric, double RelativeError, GradCheckBand Band, EntryVerdict Verdict,
    double? LeftDifference = null, double? RightDifference = null)
{
    public double Difference => Analytic - Numeric;
}

/// <summary>
/// One tensor's result. Max and mean relative error are over the judged entries (not those below the noise
/// floor, nor those whose difference crossed a kink, which are counted separately).
/// </summary>
public sealed record TensorCheck(
    string Name, string Description, int Size, int Checked, double MaxRelativeError, double MeanRelativeError,
    int KinkCrossings, int BelowNoise, int Failures, GradCheckVerdict Verdict, IReadOnlyList<EntryCheck> Worst);

/// <summary>The fast check: one directional derivative a = g . u against (J(t + h u) - J(t - h u)) / 2h.</summary>
public sealed record FastCheck(double Analytic, double Numeric, double RelativeError, EntryVerdict Verdict, IReadOnlyList<DirectionalCheck> PerTensor);

/// <summary>The directional check restricted to one tensor (run when the whole-network direction fails).</summary>
public sealed record DirectionalCheck(string Tensor, double Analytic, double Numeric, double RelativeError, EntryVerdict Verdict, KinkSide Kink = KinkSide.None)
{
    /// <summary>A pass that settles the question: not one whose differences crossed kinks on both sides of t.</summary>
    public bool Conclusive => Verdict is EntryVerdict.Pass or EntryVerdict.BelowNoise
        || (Verdict == EntryVerdict.KinkCrossed && Kink is KinkSide.Left or KinkSide.Right);
}

/// <summary>The operation of a backward pass that a localisation finding blames.</summary>
public enum LocalOperation
{
    LossGradient,

    /// <summary>The gradient a layer receives is not the dJ/dx the layer above sent (the wiring between layers).</summary>
    Wiring,
    ActivationDerivative,
    WeightGradient,
    BiasGradient,
    InputGradient,

    /// <summary>A layernorm's backward: dJ/dz from the dJ/dy it received.</summary>
    Normalization,
    NormGainGradient,
    NormBiasGradient,

    /// <summary>A residual block's sum: the split of g into the skip's and the branch's shares, or their sum at the block's input.</summary>
    SkipSum,
}

/// <summary>
/// A backward rule found wrong when checked on its own; <see cref="Layer"/> is 1-based, null for the loss and for a
/// residual block's sum, whose <see cref="Block"/> (1-based) is set instead.
/// </summary>
public sealed record LocalFinding(int? Layer, string Site, LocalOperation Operation, double RelativeError, double? Factor, string Message, int? Block = null);

/// <summary>The result of checking every layer's backward rule on its own, loss first, then layer L down to 1.</summary>
public sealed record Localization(IReadOnlyList<LocalFinding> Findings)
{
    /// <summary>The first wrong rule in backward order: where the backward pass first goes wrong.</summary>
    public LocalFinding? First => Findings.Count > 0 ? Findings[0] : null;

    public string Summary => First?.Message
        ?? "every layer's backward rule, every norm and residual sum, and the loss gradient are right on their own at these inputs";
}

/// <summary>
/// The structured result of a gradient check: the settings, J, per-tensor results, the fast check if one ran,
/// the localisation if the check failed, notes (kinks, precision) and the overall verdict.
/// </summary>
public sealed record GradCheckReport(
    string Subject, string Mode, GradCheckOptions Options, double Loss, double NoiseFloor, GradCheckVerdict Verdict,
    IReadOnlyList<TensorCheck> Tensors, FastCheck? Fast, Localization? Localization, IReadOnlyList<string> Notes, string? Error = null)
{
    public bool Passed => Verdict == GradCheckVerdict.Pass;

    /// <summary>A report for a check that could not run (e.g. a user layer whose backward threw).</summary>
    public static GradCheckReport Failed(string subject, GradCheckOptions options, string error) =>
        new(subject, "full", options, double.NaN, double.NaN, GradCheckVerdict.Error, [], null, null, [], error);

    public static GradCheckVerdict Combine(IEnumerable<GradCheckVerdict> verdicts) =>
        verdicts.DefaultIfEmpty(GradCheckVerdict.Pass).Max();

    public static GradCheckVerdict FromEntry(EntryVerdict verdict) => verdict switch
    {
        EntryVerdict.Suspicious => GradCheckVerdict.Suspicious,
        EntryVerdict.Fail => GradCheckVerdict.Fail,
        _ => GradCheckVerdict.Pass,
    };
}
