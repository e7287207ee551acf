namespace Backprop.Core.Checking;

/// <summary>The gradients a layer's backward rule returns: dL/dx (m x inputs) and dL/dparameters (one per parameter).</summary>
public sealed record LayerGradients(double[] InputGradient, double[] ParameterGradient);

/// <summary>
/// Your own layer or op, checked by <see cref="LayerChecker"/>: a batch of m rows x (m x <see cref="InputSize"/>)
/// goes to y (m x <see cref="OutputSize"/>); <see cref="Backward"/> gets dL/dy and returns dL/dx and dL/dparameters.
/// The checker moves entries of x and of <see cref="Parameters"/> in place, so Forward must read them afresh
/// each call and Backward must not change them.
/// </summary>
public interface IDifferentiableLayer
{
    /// <summary>A name for reports, e.g. "sigmoid".</summary>
    string Name { get; }

    int InputSize { get; }

    int OutputSize { get; }

    /// <summary>The parameters, flattened (empty for an op without any).</summary>
    double[] Parameters { get; }

    double[] Forward(double[] x, int m);

    LayerGradients Backward(double[] x, int m, double[] outputGradient);
}
