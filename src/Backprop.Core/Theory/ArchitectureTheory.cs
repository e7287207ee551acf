using Backprop.Core.Networks;

namespace Backprop.Core.Theory;

/// <summary>
/// Mean-field signal and gradient propagation in wide random plain and residual networks, with or without layernorm
/// (<see cref="MeanFieldArchitecture"/>); weights ~ N(0, sw2/fan_in), biases ~ N(0, sb2), width N -> infinity, and the
/// gradient independence assumption of Schoenholz et al. 2017 (the W^T of the backward pass independent of the forward pass).
/// </summary>
/// <remarks>
/// <para><b>A layer</b> maps an input of mean square P = mean_i x_i^2 to z_j = sum_i W_ji x_i + b_j, over units j independent
/// N(0, v) with (L1) v = sw2 P + sb2. Without a norm phi's input has variance q = v (the length map of Poole et al. 2016);
/// with layernorm y = (z - mean z)/sqrt(var z + eps), and since mean z -> 0, var z -> v, (L2) q = v/(v + eps): 1 up to eps,
/// whatever sw2. The output a = phi(.) has mean m1(q) = E[phi(sqrt(q) z)] and mean square m2(q) = E[phi(sqrt(q) z)^2].
/// Back-propagating dJ/da through the layer, dz = phi'(.) dJ/da without a norm, and with layernorm
/// dz = (1/s) P (phi'(y) dJ/da), s^2 = v + eps, P the projection removing the directions 1 and zhat (the spec's
/// dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat))/s). Then dx = W^T dz, E||W^T d||^2 = sw2 ||d||^2, so the layer multiplies
/// E||dJ/da||^2 by (L3) chi = sw2 E[phi'(sqrt(q) z)^2] / s^2 (s^2 = 1 without a norm: Schoenholz et al.'s chi1(q)). With
/// layernorm at eps -> 0, chi_LN = sw2 E[phi'(u)^2] / (sw2 E[phi(u)^2] + sb2), u ~ N(0, 1): at sb2 = 0 independent of sw2,
/// 1 for relu and about 1.18 for tanh. The projection keeps E||P d||^2 = (1 - (1 + r)/N) E||d||^2,
/// r = E[phi'(u)^2 u^2]/E[phi'(u)^2] (r = 1 for relu): a finite-width correction of order 2/N, left out here.</para>
/// <para><b>A residual block, pre form</b> (Yang and Schoenholz 2017, arXiv:1712.08969; for k = 1 their reduced residual
/// network) x_(b+1) = x_b + alpha F(x_b), F = k layers each applying phi. Branch layer 1 sees the stream, (R1) q_1 from
/// P = p_b, later layers (R2) P = m2(q_i). Squaring x_(b+1,i) = x_(b,i) + alpha a_(k,i) and averaging over units, with the
/// branch's h_(k,i) (fresh weights) independent of x_(b,i): (R3) mu_(b+1) = mu_b + alpha m1(q_k),
/// (R4) p_(b+1) = p_b + 2 alpha mu_b m1(q_k) + alpha^2 m2(q_k); the cross term vanishes for odd phi. Backward,
/// dJ/dx_b = g + J_F^T (alpha g); the cross term 2 alpha g.J_F^T g is linear in the zero-mean W_1^T, so has mean 0, and
/// (R5) chi_block = E||dJ/dx_b||^2 / E||g||^2 = 1 + alpha^2 prod_i chi_i. Where chi_i depends on q (every phi but the
/// positively homogeneous ones), p_b grows block after block and chi_block drifts: for tanh, m2 -> 1 so p_b ~ alpha^2 b,
/// chi_1(q) ~ (4/3) sw2/sqrt(2 pi q), and ln E||dJ/dx_1||^2 grows like sqrt(blocks), not linearly. With layernorm the same
/// recursion holds with chi_i from (L3); branch layer 1 divides by s^2 = sw2 p_b + sb2 + eps, which grows with p_b.</para>
/// <para><b>Post form</b> x_(b+1) = phi(x_b + alpha z_k): phi acts on the sum of the stream and the branch, and the stream is
/// not Gaussian over units, so E[phi(x_b + alpha z_k)^2] needs the whole distribution of x_b, not its moments.</para>
/// </remarks>
public static class ArchitectureTheory
{
    /// <summary>Why the post form has no closed form here (<see cref="ArchitecturePrediction.NoClosedForm"/>).</summary>
    public const string PostFormReason =
        "in the post form phi acts on the stream plus the branch, and the stream is not Gaussian over units, so the next layer's "
        + "variance depends on the whole distribution of x_b, not on its mean and second moment: no closed form is known";

    /// <summary>The prediction for inputs of mean square <paramref name="q0"/> (1 for standardised inputs): v_1 = sw2 q0 + sb2.</summary>
    public static ArchitecturePrediction Predict(
        Activation phi, double sw2, double sb2, int depth, MeanFieldArchitecture architecture, double q0 = 1.0)
    {
        MeanField.CheckVariances(sw2, sb2);
        MeanField.CheckInput(q0);
        return PredictFromFirstLayer(phi, sw2, sb2, depth, architecture, sw2 * q0 + sb2);
    }

    /// <summary>
    /// The prediction when the first hidden layer's pre-activations (before any norm) have variance <paramref name="v1"/>
    /// (its input layer may have another sigma_w^2 than the rest: Xavier and orthogonal initialisers scale by the fans).
    /// </summary>
    public static ArchitecturePrediction PredictFromFirstLayer(
        Activation phi, double sw2, double sb2, int depth, MeanFieldArchitecture architecture, double v1)
    {
        ArgumentNullException.ThrowIfNull(phi);
        ArgumentNullException.ThrowIfNull(architecture);
        MeanField.CheckVariances(sw2, sb2);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        if (!(v1 >= 0) || !double.IsFinite(v1))
        {
            throw new ArgumentOutOfRangeException(nameof(v1), v1, "the first layer's variance must be finite and >= 0");
        }
        Check(architecture, depth);
        if (architecture.IsResidual && architecture.PostForm)
        {
            return new ArchitecturePrediction(architecture, depth, [], [], null, "there is no closed form", PostFormReason);
        }
        var model = new LayerModel(phi, sw2, sb2, architecture.LayerNorm, architecture.Epsilon);
        return architecture.IsResidual ? Residual(model, depth, architecture, v1) : Plain(model, depth, architecture, v1);
    }

    private static ArchitecturePrediction Plain(LayerModel model, int depth, MeanFieldArchitecture architecture, double v1)
    {
        var steps = new LayerStep[depth];
        for (int l = 0; l < depth; l++)
        {
            steps[l] = model.Step(l == 0 ? v1 : model.Sw2 * steps[l - 1].MeanSquare + model.Sb2);
        }
        // dJ/da_l = W_(l+1)^T dz_(l+1): layer l + 1's chi carries the output gradient of layer l + 1 to layer l (L3).
        var layers = new LayerPrediction[depth];
        double output = 1;
        for (int l = depth - 1; l >= 0; l--)
        {
            if (l < depth - 1)
            {
                output *= steps[l + 1].Chi;
            }
            layers[l] = new LayerPrediction(l + 1, 0, steps[l].Q, output, steps[l].Gain * output);
        }
        double chiStar = architecture.LayerNorm ? model.NormedFixedPoint(v1).Chi : MeanField.PredictFromFirstLayer(model.Phi, model.Sw2, model.Sb2, v1).Chi1;
        return chiStar > 0 && double.IsFinite(chiStar)
            ? new ArchitecturePrediction(architecture, depth, layers, [], Math.Log(chiStar), null, null)
            : new ArchitecturePrediction(architecture, depth, layers, [], null,
                chiStar == 0 ? "chi = 0 (sigma_w^2 = 0 or phi' = 0): no gradient reaches below the top layer" : "chi is not finite at the fixed point", null);
    }

    private static ArchitecturePrediction Residual(LayerModel model, int depth, MeanFieldArchitecture architecture, double v1)
    {
        int k = architecture.BlockDepth, blockCount = (depth - 1) / k;
        double alpha = architecture.ResidualScale;
        var steps = new LayerStep[depth];
        steps[0] = model.Step(v1);
        double p = steps[0].MeanSquare, mu = steps[0].Mean;
        var moments = new (double P, double Mu, double BranchChi)[blockCount + 1];
        for (int b = 0; b < blockCount; b++)
        {
            moments[b] = (p, mu, 1);
            double input = p, branchChi = 1;
            for (int i = 0; i < k; i++)
            {
                LayerStep step = model.Step(model.Sw2 * input + model.Sb2); // (R1), (R2)
                steps[1 + b * k + i] = step;
                input = step.MeanSquare;
                branchChi *= step.Chi;
            }
            LayerStep last = steps[(b + 1) * k];
            p = p + 2 * alpha * mu * last.Mean + alpha * alpha * last.MeanSquare; // (R4)
            mu = double.IsFinite(p) ? mu + alpha * last.Mean : double.NaN;      // (R3)
            moments[b].BranchChi = branchChi;
        }
        moments[blockCount] = (p, mu, 1);

        var layers = new LayerPrediction[depth];
        var blocks = new BlockPrediction[blockCount];
        double stream = 1; // E||dJ/dx_(b+1)||^2, the top block's output being the top hidden layer's output
        for (int b = blockCount - 1; b >= 0; b--)
        {
            // The branch's last layer gets alpha g as dJ/da_k; each branch layer i + 1 carries it on to layer i by chi (L3).
            double branch = alpha * alpha * stream;
            for (int i = k - 1; i >= 0; i--)
            {
                int l = 1 + b * k + i;
                if (i < k - 1)
                {
                    branch *= steps[l + 1].Chi;
                }
                layers[l] = new LayerPrediction(l + 1, b + 1, steps[l].Q, i == k - 1 ? stream : branch, steps[l].Gain * branch);
            }
            double factor = 1 + alpha * alpha * moments[b].BranchChi; // (R5)
            stream *= factor;
            blocks[b] = new BlockPrediction(b + 1, moments[b].P, moments[b].Mu, moments[b + 1].P, moments[b + 1].Mu, moments[b].BranchChi, factor, stream);
        }
        layers[0] = new LayerPrediction(1, 0, steps[0].Q, stream, steps[0].Gain * stream);

        // chi_block is the same in every block when no chi_i depends on q: a homogeneous phi without a norm, or no branch signal.
        bool constant = alpha == 0 || model.Sw2 == 0 || (!architecture.LayerNorm && MeanField.HomogeneousGain(model.Phi) is not null);
        if (blockCount == 0)
        {
            return new ArchitecturePrediction(architecture, depth, layers, blocks, null, "the network has no residual block (depth 1)", null);
        }
        if (!constant)
        {
            string reason = architecture.LayerNorm
                ? "the first norm of each branch divides by the stream's scale sqrt(sigma_w^2 p_b + sigma_b^2 + eps), which grows block "
                    + "by block, so chi_block changes with depth and ln E||dJ/dx_b||^2 is not linear in depth"
                : "chi_1(q) of the branch depends on q, and q_1 = sigma_w^2 p_b + sigma_b^2 grows block by block, so chi_block changes "
                    + "with depth and ln E||dJ/dx_b||^2 is not linear in depth";
            return new ArchitecturePrediction(architecture, depth, layers, blocks, null, reason, null);
        }
        double slope = Math.Log(1 + alpha * alpha * moments[0].BranchChi) / k;
        return new ArchitecturePrediction(architecture, depth, layers, blocks, slope, null, null);
    }

    private static void Check(MeanFieldArchitecture a, int depth)
    {
        if (a.BlockDepth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(a), a.BlockDepth, "the block depth must be >= 1 (0 for a plain network)");
        }
        if (a.IsResidual && (depth - 1) % a.BlockDepth != 0)
        {
            throw new ArgumentException(
                $"a residual network of depth {depth} has a stem and blocks of {a.BlockDepth} layers, so depth - 1 = {depth - 1} must be a multiple of {a.BlockDepth}", nameof(depth));
        }
        if (!(a.ResidualScale >= 0) || !double.IsFinite(a.ResidualScale))
        {
            throw new ArgumentOutOfRangeException(nameof(a), a.ResidualScale, "the residual scale must be finite and >= 0");
        }
        if (!(a.Epsilon > 0) || !double.IsFinite(a.Epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(a), a.Epsilon, "the layernorm eps must be finite and > 0");
        }
    }

    /// <summary>
    /// One layer's mean-field quantities: phi's input variance Q, the output's Mean and MeanSquare, Gain = E||dJ/dz||^2 /
    /// E||dJ/da||^2 (E[phi'^2], divided by s^2 with layernorm) and Chi = sw2 Gain (L3).
    /// </summary>
    private readonly record struct LayerStep(double Q, double Mean, double MeanSquare, double Gain, double Chi);

    private sealed record LayerModel(Activation Phi, double Sw2, double Sb2, bool LayerNorm, double Epsilon)
    {
        /// <summary>The layer for pre-activation variance v (L1): (L2) for q, then m1, m2 and (L3).</summary>
        public LayerStep Step(double v)
        {
            double s2 = LayerNorm ? v + Epsilon : 1;
            double q = LayerNorm ? (double.IsPositiveInfinity(v) ? 1 : v / s2) : v;
            double gain = MeanField.Chi1At(Phi, 1, q) / s2;
            var (mean, meanSquare) = Moments(q);
            return new LayerStep(q, mean, meanSquare, gain, Sw2 * gain);
        }

        /// <summary>The layer a deep layernormed stack settles at: q = v/(v + eps) with v from the previous layer's m2(q) (L1, L2).</summary>
        public LayerStep NormedFixedPoint(double v1)
        {
            // The map q -> v(q)/(v(q) + eps) moves q by about eps per layer, so a few dozen iterations reach it to rounding.
            LayerStep step = Step(v1);
            for (int i = 0; i < 200; i++)
            {
                LayerStep next = Step(Sw2 * step.MeanSquare + Sb2);
                bool settled = Math.Abs(next.Q - step.Q) <= 1e-15 * Math.Max(1, next.Q);
                step = next;
                if (settled)
                {
                    break;
                }
            }
            return step;
        }

        /// <summary>E[phi(sqrt(q) z)] and E[phi(sqrt(q) z)^2]; the mean square in closed form for a homogeneous phi (c q).</summary>
        private (double Mean, double MeanSquare) Moments(double q)
        {
            if (!double.IsFinite(q))
            {
                return (double.NaN, double.PositiveInfinity);
            }
            double scale = Math.Sqrt(q);
            double mean = GaussianExpectation.Of(Phi.Apply, scale);
            double meanSquare = MeanField.HomogeneousGain(Phi) is double c ? c * q : GaussianExpectation.Of(u => Phi.Apply(u) * Phi.Apply(u), scale);
            return (mean, meanSquare);
        }
    }
}
