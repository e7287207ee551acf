namespace Backprop.Core.Networks;

/// <summary>
/// A cost J over a batch of m examples and its gradient with respect to the network's output.
/// Both losses average over the batch (the 1/m) and sum over output units.
/// </summary>
public abstract class Loss
{
    public static Loss MeanSquaredError { get; } = new MeanSquaredErrorLoss();
    public static Loss SoftmaxCrossEntropy { get; } = new SoftmaxCrossEntropyLoss();

    /// <summary>J = (1/m) sum v . output for a fixed cotangent v given as the targets (signal-propagation studies).</summary>
    public static Loss Linear { get; } = new LinearLoss();

    public static IReadOnlyList<string> Names { get; } = ["mse", "softmax_cross_entropy", "linear"];

    public abstract string Name { get; }

    public static bool TryParse(string text, out Loss loss)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "mse":
            case "mean_squared_error":
                loss = MeanSquaredError;
                return true;
            case "softmax_cross_entropy":
            case "cross_entropy":
                loss = SoftmaxCrossEntropy;
                return true;
            case "linear":
                loss = Linear;
                return true;
            default:
                loss = MeanSquaredError;
                return false;
        }
    }

    /// <summary>
    /// Returns J for outputs and targets (both m x n, row-major) and writes dJ/d(output) into
    /// <paramref name="gradient"/> (m x n).
    /// </summary>
    public double Compute(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient) =>
        Sum(output, targets, m, n, gradient, m) / m;

    /// <summary>
    /// For m rows that are part of a batch of <paramref name="batchSize"/> examples: returns the sum over these rows of
    /// each example's loss (J times the batch size, for these rows alone) and writes into <paramref name="gradient"/>
    /// (m x n) the gradient of the whole batch's J with respect to these rows' outputs, the 1/batchSize included. A batch
    /// run a chunk of rows at a time thus gets, row for row, the same dJ/d(output) bits as one pass over all of it.
    /// </summary>
    public abstract double Sum(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient, int batchSize);

    /// <summary>J only, for finite differences.</summary>
    public double Value(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n)
    {
        double[] scratch = new double[m * n];
        return Compute(output, targets, m, n, scratch);
    }

    public override string ToString() => Name;

    protected static void CheckShapes(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient)
    {
        int size = m * n;
        if (output.Length < size || targets.Length < size || gradient.Length < size)
        {
            throw new ArgumentException($"loss expects {m} x {n} outputs, targets and gradient");
        }
    }
}

/// <summary>
/// J = (1/m) sum_i sum_c (y_ic - yhat_ic)^2, exactly as the worked example writes it, with gradient
/// dJ/dyhat = -2 (y - yhat) / m. With m = 1 and one output this is the worked example's L = (y - yhat)^2.
/// </summary>
internal sealed class MeanSquaredErrorLoss : Loss
{
    public override string Name => "mse";

    public override double Sum(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient, int batchSize)
    {
        CheckShapes(output, targets, m, n, gradient);
        double sum = 0;
        double scale = -2.0 / batchSize;
        for (int i = 0; i < m * n; i++)
        {
            double r = targets[i] - output[i];
            sum += r * r;
            gradient[i] = scale * r;
        }
        return sum;
    }
}

/// <summary>
/// J = -(1/m) sum_i sum_c y_ic log softmax(a_i)_c over the output a (logits), with
/// dJ/da_ic = (softmax(a_i)_c * sum_k y_ik - y_ic) / m, which is (p - y)/m when each target row sums to 1.
/// Evaluated through log-sum-exp with the row maximum subtracted, so large logits do not overflow.
/// </summary>
internal sealed class SoftmaxCrossEntropyLoss : Loss
{
    public override string Name => "softmax_cross_entropy";

    public override double Sum(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient, int batchSize)
    {
        CheckShapes(output, targets, m, n, gradient);
        double total = 0;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> a = output.Slice(i * n, n);
            ReadOnlySpan<double> y = targets.Slice(i * n, n);
            Span<double> g = gradient.Slice(i * n, n);
            double max = double.NegativeInfinity;
            for (int c = 0; c < n; c++)
            {
                max = Math.Max(max, a[c]);
            }
            double sumExp = 0;
            for (int c = 0; c < n; c++)
            {
                sumExp += Math.Exp(a[c] - max);
            }
            double logSumExp = max + Math.Log(sumExp);
            double ySum = 0;
            for (int c = 0; c < n; c++)
            {
                ySum += y[c];
                total -= y[c] * (a[c] - logSumExp);
            }
            for (int c = 0; c < n; c++)
            {
                double p = Math.Exp(a[c] - logSumExp);
                g[c] = (p * ySum - y[c]) / batchSize;
            }
        }
        return total;
    }
}

/// <summary>
/// J = (1/m) sum_i sum_c v_ic yhat_ic, with the targets as the fixed cotangent v: dJ/dyhat = v / m. Back-propagating
/// a fixed random cotangent is the clean setting of signal-propagation theory (Schoenholz et al. 2017), where
/// delta at the output is v itself rather than a residual that depends on the network's own output.
/// The loss is unbounded below, so training with it is meant for a few steps at most.
/// </summary>
internal sealed class LinearLoss : Loss
{
    public override string Name => "linear";

    public override double Sum(ReadOnlySpan<double> output, ReadOnlySpan<double> targets, int m, int n, Span<double> gradient, int batchSize)
    {
        CheckShapes(output, targets, m, n, gradient);
        double sum = 0;
        for (int i = 0; i < m * n; i++)
        {
            sum += targets[i] * output[i];
            gradient[i] = targets[i] / batchSize;
        }
        return sum;
    }
}
