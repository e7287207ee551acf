namespace Backprop.Core.Theory;

/// <summary>
/// The mean-field prediction for one hidden layer l of a network of depth D. Gradients are relative to
/// E||dJ/da_D||^2 = 1 at the output of the top hidden layer, for a back-propagated vector with independent zero-mean entries.
/// </summary>
/// <param name="Layer">l, 1-based; layer 1 is the stem of a residual network.</param>
/// <param name="Block">The residual block the layer belongs to (1-based), 0 for the stem and for every layer of a plain network.</param>
/// <param name="Q">The variance over units of phi's input: z's for a plain layer, the normed y's with layernorm.</param>
/// <param name="OutputGradient">E||dJ/d(output of layer l)||^2; for the last layer of a block its output is the stream x_(b+1).</param>
/// <param name="PreActivationGradient">E||dJ/dz_l||^2, the back-propagated error delta_l before the weights W_l.</param>
public sealed record LayerPrediction(int Layer, int Block, double Q, double OutputGradient, double PreActivationGradient);

/// <summary>The mean-field prediction for residual block b (pre form): the stream x_b going in and x_(b+1) coming out.</summary>
/// <param name="Block">b, 1-based.</param>
/// <param name="InputMeanSquare">p_b = mean_i x_(b,i)^2.</param>
/// <param name="InputMean">mu_b = mean_i x_(b,i) (NaN once p has overflowed).</param>
/// <param name="OutputMeanSquare">p_(b+1).</param>
/// <param name="OutputMean">mu_(b+1).</param>
/// <param name="BranchChi">prod_i chi_i over the branch's k layers: the branch's factor on E||g||^2.</param>
/// <param name="Factor">chi_block = 1 + alpha^2 BranchChi: E||dJ/dx_b||^2 / E||dJ/dx_(b+1)||^2.</param>
/// <param name="InputGradient">E||dJ/dx_b||^2 relative to the top hidden layer's output.</param>
public sealed record BlockPrediction(
    int Block, double InputMeanSquare, double InputMean, double OutputMeanSquare, double OutputMean, double BranchChi, double Factor, double InputGradient);

/// <summary>
/// What mean-field theory predicts for a plain or residual network with or without layernorm (<see cref="ArchitectureTheory"/>):
/// per layer q and the gradient profile, per block the stream's moments and gradient factor, and the per-layer slope of
/// ln E||dJ/dx||^2 where the profile is geometric. Where the theory has no closed form, <see cref="NoClosedForm"/> says why
/// and the lists are empty.
/// </summary>
/// <param name="Architecture">The shape predicted for.</param>
/// <param name="Depth">D, the number of hidden layers.</param>
/// <param name="Layers">Hidden layers 1..D.</param>
/// <param name="Blocks">Residual blocks 1..(D - 1)/k; empty for a plain network.</param>
/// <param name="LogSlope">
/// ln of the per-layer factor on E||dJ/dx||^2 going back, in the sign convention of ChiFit.LogSlope (positive: growing towards
/// the input): ln chi1(q*) for a plain network, ln chi_LN(q*) with layernorm, ln(chi_block)/k for a residual network whose
/// chi_block is the same in every block; null when there is none.
/// </param>
/// <param name="NoSlopeReason">One sentence saying why there is no slope, when <paramref name="LogSlope"/> is null.</param>
/// <param name="NoClosedForm">One sentence saying why the theory has no closed form for this shape; null when it has one.</param>
public sealed record ArchitecturePrediction(
    MeanFieldArchitecture Architecture,
    int Depth,
    IReadOnlyList<LayerPrediction> Layers,
    IReadOnlyList<BlockPrediction> Blocks,
    double? LogSlope,
    string? NoSlopeReason,
    string? NoClosedForm)
{
    public bool HasClosedForm => NoClosedForm is null;
}
