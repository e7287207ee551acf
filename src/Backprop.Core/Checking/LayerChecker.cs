using Backprop.Core.Randomness;

namespace Backprop.Core.Checking;

/// <summary>
/// Checks a user layer's backward rule: with a random upstream gradient g (m x outputs), the scalar
/// s = sum g * Forward(x) has dL/dx and dL/dparameters equal to what Backward(x, m, g) must return, entry by
/// entry against central differences of s. A Forward or Backward that throws or returns the wrong shape gives a
/// report with verdict Error and a message saying which and why, never an exception.
/// </summary>
public static class LayerChecker
{
    public static GradCheckReport Check(IDifferentiableLayer layer, double[] x, int m, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(x);
        options ??= new GradCheckOptions();
        options.Validate();
        string subject = $"layer {layer.Name}: {layer.InputSize} -> {layer.OutputSize}, {layer.Parameters.Length} parameters, {m} example{(m == 1 ? "" : "s")}";
        if (m < 1 || x.Length != m * layer.InputSize)
        {
            return GradCheckReport.Failed(subject, options, $"the check's input has {x.Length} values; {m} rows of {layer.InputSize} need {m * layer.InputSize}");
        }
        var rng = new Rng(options.Seed);
        double[] g = new double[m * layer.OutputSize];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = rng.NextNormal();
        }
        double center;
        LayerGradients gradients;
        try
        {
            center = Scalar(layer, x, m, g);
            gradients = layer.Backward((double[])x.Clone(), m, (double[])g.Clone())
                ?? throw new LayerContractException("Backward returned null");
            Expect("Backward's input gradient", gradients.InputGradient, m * layer.InputSize, $"m x inputs = {m} x {layer.InputSize}");
            Expect("Backward's parameter gradient", gradients.ParameterGradient, layer.Parameters.Length, "one per parameter");
        }
        catch (Exception e)
        {
            return GradCheckReport.Failed(subject, options, Explain(layer, e));
        }
        double floor = ErrorBands.NoiseFloor(center, options.Step);
        var tensors = new List<CheckedTensor>
        {
            new("x", $"dL/dx, {m} x {layer.InputSize}", gradients.InputGradient, i => $"x[{i / layer.InputSize + 1},{i % layer.InputSize + 1}]"),
        };
        if (layer.Parameters.Length > 0)
        {
            tensors.Add(new("parameters", $"dL/dparameters, {layer.Parameters.Length}", gradients.ParameterGradient, i => $"p[{i + 1}]"));
        }
        try
        {
            // One worker: the layer is the user's object, and nothing says its Forward is thread-safe.
            TensorCheck[] results = EntryChecks.Run(tensors, () => (double[])x.Clone(),
                (input, t, index) => Entry(layer, input, m, g, t == 0 ? input : layer.Parameters, index, options.Step, center),
                floor, options with { Threads = 1 });
            GradCheckVerdict verdict = GradCheckReport.Combine(results.Select(r => r.Verdict));
            return new GradCheckReport(subject, "full", options, center, floor, verdict, results, null, null, []);
        }
        catch (Exception e)
        {
            return GradCheckReport.Failed(subject, options, Explain(layer, e));
        }
    }

    private static Difference Entry(IDifferentiableLayer layer, double[] x, int m, double[] g, double[] values, int index, double h, double center)
    {
        double original = values[index];
        double up = original + h;
        double down = original - h;
        values[index] = up;
        double plus = Scalar(layer, x, m, g);
        values[index] = down;
        double minus = Scalar(layer, x, m, g);
        values[index] = original;
        return Difference.From(plus, center, minus, up - original, original - down, [], [], []);
    }

    private static double Scalar(IDifferentiableLayer layer, double[] x, int m, double[] g)
    {
        double[] y = layer.Forward(x, m) ?? throw new LayerContractException("Forward returned null");
        Expect("Forward's output", y, g.Length, $"m x outputs = {m} x {layer.OutputSize}");
        double s = 0;
        for (int i = 0; i < y.Length; i++)
        {
            s += g[i] * y[i];
        }
        return s;
    }

    private static void Expect(string what, double[]? values, int length, string shape)
    {
        if (values is null)
        {
            throw new LayerContractException($"{what} is null; expected {length} values ({shape})");
        }
        if (values.Length != length)
        {
            throw new LayerContractException($"{what} has {values.Length} values; expected {length} ({shape})");
        }
    }

    private static string Explain(IDifferentiableLayer layer, Exception e) => e switch
    {
        LayerContractException => $"layer {layer.Name}: {e.Message}",
        NotImplementedException => $"layer {layer.Name}: a method is not implemented yet ({e.Message})",
        _ => $"layer {layer.Name} threw {e.GetType().Name}: {e.Message}",
    };

    private sealed class LayerContractException(string message) : Exception(message);
}
