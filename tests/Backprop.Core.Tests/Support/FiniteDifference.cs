using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Support;

/// <summary>
/// Central differences (J(theta + h) - J(theta - h)) / 2h on a network's parameters and inputs, with the
/// kink crossings detected (the sign pattern of z at kinked units differs between theta + h and theta - h),
/// so a test can skip the entries where a finite difference is not a derivative.
/// </summary>
internal sealed class FiniteDifference(Mlp network, double[] inputs, double[] targets, int batch, Loss loss, double h = 1e-6)
{
    public double Loss() => network.ComputeLoss(inputs, targets, batch, loss);

    /// <summary>Numeric dJ/d(values[index]) where values is a parameter or input array, and whether a kink was crossed.</summary>
    public (double Numeric, bool KinkCrossed) Derivative(double[] values, int index)
    {
        double original = values[index];
        values[index] = original + h;
        double plus = Loss();
        bool[] patternPlus = KinkPattern();
        values[index] = original - h;
        double minus = Loss();
        bool[] patternMinus = KinkPattern();
        values[index] = original;
        return ((plus - minus) / (2 * h), !patternPlus.AsSpan().SequenceEqual(patternMinus));
    }

    private bool[] KinkPattern()
    {
        var pattern = new List<bool>();
        foreach (DenseLayer layer in network.Layers)
        {
            if (layer.Activation.HasKink)
            {
                foreach (double z in layer.PreActivation)
                {
                    pattern.Add(z > 0);
                }
            }
        }
        return pattern.ToArray();
    }

    /// <summary>
    /// Asserts analytic == numeric for every weight, bias and input entry. Tolerance: the central difference
    /// with h = 1e-6 has truncation error ~h^2 |J'''| ~ 1e-12 and rounding error ~eps |J| / h ~ 1e-10 |J|, so
    /// |a - n| <= 1e-6 max(|a|, |n|) + 1e-9 max(1, |J|) is loose enough for every correct gradient and
    /// orders of magnitude tighter than any real bug. Returns the number of entries skipped for a kink crossing.
    /// </summary>
    public int AssertMatchesAnalytic(string context)
    {
        double j = network.ComputeGradients(inputs, targets, batch, loss);
        var analytic = new List<(string Name, double[] Values, double[] Gradient)>();
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            analytic.Add(($"W{l + 1}", layer.Weights, (double[])layer.WeightGradient.Clone()));
            analytic.Add(($"b{l + 1}", layer.Biases, (double[])layer.BiasGradient.Clone()));
        }
        analytic.Add(("x", inputs, network.InputGradient.ToArray()));
        double atol = 1e-9 * Math.Max(1.0, Math.Abs(j));
        int skipped = 0;
        foreach (var (name, values, gradient) in analytic)
        {
            for (int i = 0; i < values.Length; i++)
            {
                var (numeric, kink) = Derivative(values, i);
                if (kink)
                {
                    skipped++;
                    continue;
                }
                double a = gradient[i];
                double tolerance = 1e-6 * Math.Max(Math.Abs(a), Math.Abs(numeric)) + atol;
                Assert.True(Math.Abs(a - numeric) <= tolerance,
                    $"{context}: dJ/d{name}[{i}] analytic {a:R} numeric {numeric:R} differ by {Math.Abs(a - numeric):E3} > {tolerance:E3}");
            }
        }
        return skipped;
    }
}
