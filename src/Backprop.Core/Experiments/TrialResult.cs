using System.Text.Json.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// Per-layer gradient statistics at one step. Layer numbers are 1-based as in w_jk^[l]; the readout layer,
/// when the network has one, is layer Depth + 1.
/// </summary>
/// <param name="Layer">The layer number l, 1-based.</param>
/// <param name="GradWNorm">||dJ/dW_l||_F.</param>
/// <param name="GradBNorm">||dJ/db_l||_2.</param>
/// <param name="DeltaSq">The mean over the batch of ||delta_l||^2 per example, delta = d(loss of that example)/dz_l
/// (the batch's 1/m taken out, so it does not depend on the batch size).</param>
/// <param name="GradAbsMean">Mean |g| over the entries g of dJ/dW_l.</param>
/// <param name="GradAbsMax">Max |g| over the entries of dJ/dW_l.</param>
/// <param name="ActMean">Mean of the layer's activations a_l over the batch and units.</param>
/// <param name="ActStd">Standard deviation of a_l over the batch and units.</param>
/// <param name="Saturated">Fraction saturated (tanh: |a| > 0.99; sigmoid: a outside [0.01, 0.99]) or dead
/// (relu: a = 0); NaN for activations without such a notion.</param>
/// <param name="GradHist">The entries of dJ/dW_l by sign and magnitude; null in records written before histograms were recorded.</param>
/// <param name="ActHist">The entries of a_l over the batch by sign and magnitude; null likewise.</param>
/// <param name="DeltaHist">The entries of the per-example back-propagated error delta_l = d(loss of that example)/dz_l over
/// the batch (the batch's 1/m taken out, as in <see cref="DeltaSq"/>) by sign and magnitude; null in records of schema 4 or older.</param>
public sealed record LayerStats(
    int Layer,
    double GradWNorm,
    double GradBNorm,
    double DeltaSq,
    double GradAbsMean,
    double GradAbsMax,
    double ActMean,
    double ActStd,
    double Saturated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Histogram? GradHist = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Histogram? ActHist = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Histogram? DeltaHist = null);

/// <summary>The loss and per-layer statistics at one recorded step.</summary>
public sealed record Checkpoint(int Step, double Loss, IReadOnlyList<LayerStats> Layers);

/// <summary>
/// What one trial measured: the per-trial summary the reports and tables use.
/// </summary>
/// <param name="GradNormInit">||dJ/dW_l||_F per layer at step 0 (the profile at initialisation).</param>
/// <param name="GradNormFinal">||dJ/dW_l||_F per layer at the last recorded step.</param>
/// <param name="DeltaSqInit">Mean ||delta_l||^2 per layer at step 0.</param>
/// <param name="LogSlopeMeasured">Least-squares slope of ln E||delta_l||^2 against L - l over the fitted hidden
/// layers at step 0: the measured ln chi1 (negative: vanishing towards the input; positive: exploding).</param>
/// <param name="LogSlopePredicted">The mean-field prediction for the same layers: the mean of ln chi1(q^l) along
/// the predicted variance trajectory q^l; null where theory does not apply.</param>
/// <param name="Chi1Predicted">chi1 at the fixed point q* (the deep-network limit); null if none exists.</param>
/// <param name="FitFrom">First hidden layer of the fit (layers before it are skipped while q settles).</param>
/// <param name="FirstLastRatioInit">||dJ/dW_1|| / ||dJ/dW_L|| at step 0, L the last hidden layer.</param>
/// <param name="FirstLastRatioFinal">The same at the last recorded step.</param>
/// <param name="DeltaRatioInit">sqrt(E||delta_1||^2 / E||delta_L||^2) at step 0: how much the back-propagated error
/// shrinks (below 1) or grows (above 1) from the last hidden layer to the first; chi1^((L-1)/2) in mean-field
/// theory. Unlike the weight-gradient ratio it is not offset by the forward signal: with sigma_b = 0 and a
/// homogeneous activation (relu, or tanh in its linear regime) ||dJ/dW_l|| ~ ||delta_l|| ||a_(l-1)|| is the same
/// in every layer whatever sigma_w, because the forward signal shrinks or grows by the same factor per layer
/// (Glorot and Bengio 2010, section 4.2.1).</param>
/// <param name="DeltaRatioFinal">The same at the last recorded step.</param>
/// <param name="JacobianInit">The spectrum of J = d x_D / d x_1 before the first step; null when not measured
/// (<see cref="TrialConfig.Jacobian"/> off, depth 1, or a record of schema 3 or older).</param>
/// <param name="JacobianFinal">The same after the last step (for a diverged trial, at the weights it diverged with).</param>
public sealed record TrialSummary(
    IReadOnlyList<double> GradNormInit,
    IReadOnlyList<double> GradNormFinal,
    IReadOnlyList<double> DeltaSqInit,
    double? LogSlopeMeasured,
    double? LogSlopePredicted,
    double? Chi1Predicted,
    int FitFrom,
    double FirstLastRatioInit,
    double FirstLastRatioFinal,
    double DeltaRatioInit,
    double DeltaRatioFinal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JacobianSpectrum? JacobianInit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JacobianSpectrum? JacobianFinal = null);

/// <summary>
/// Everything a trial produced; trials.jsonl holds one of these per line. <see cref="Outcome"/> says how training
/// ended; <see cref="Regime"/>, what the gradients did at initialisation.
/// </summary>
public sealed record TrialResult(
    string Key,
    TrialConfig Config,
    Outcome Outcome,
    int? DivergedAtStep,
    double FinalLoss,
    TrialSummary? Summary,
    IReadOnlyList<Checkpoint> Checkpoints,
    double Seconds,
    string? Error)
{
    /// <summary>
    /// The version of this record's JSON form in trials.jsonl. Version 1 had a "vanished" outcome and called only
    /// non-finite losses divergence; version 2 had no histograms (<see cref="LayerStats.GradHist"/>); version 3 no Jacobian
    /// spectra (<see cref="TrialSummary.JacobianInit"/>); version 4 no histograms of the back-propagated error
    /// (<see cref="LayerStats.DeltaHist"/>); their lines are read
    /// and brought up to this version (see <see cref="ResultFormat.FromJsonLine"/>, <see cref="SchemaUpgrade"/>).
    /// </summary>
    public const int CurrentSchema = 5;

    /// <summary>Required when read: a line without it is not taken for the current version (see <see cref="ResultFormat.FromJsonLine"/>).</summary>
    [System.Text.Json.Serialization.JsonRequired]
    public int Schema { get; init; } = CurrentSchema;

    /// <summary>
    /// The gradient-flow regime at initialisation, from <see cref="TrialSummary.DeltaRatioInit"/>; null for a trial without
    /// measurements (failed) or with a NaN ratio. Written to trials.jsonl for its readers, and always derived from the
    /// ratio, so the two cannot disagree.
    /// </summary>
    public FlowRegime? Regime => FlowRegimes.Of(Summary?.DeltaRatioInit);

    public static TrialResult FailedWith(string key, TrialConfig config, Exception e, double seconds) =>
        FailedWith(key, config, $"{e.GetType().Name}: {e.Message}", seconds);

    /// <summary>A failed trial whose error is a sentence for people (a trial refused for its memory, or out of memory).</summary>
    public static TrialResult FailedWith(string key, TrialConfig config, string error, double seconds) =>
        new(key, config, Outcome.Failed, null, double.NaN, null, [], seconds, error);
}
