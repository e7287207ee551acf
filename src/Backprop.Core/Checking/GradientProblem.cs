using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// What a network gradient check differentiates: J(W_1, b_1, gamma_1, beta_1, ..., W_L, b_L, x) for one batch of
/// <paramref name="Count"/> examples (inputs m x network inputs, targets m x network outputs) under a loss.
/// The checker never leaves <paramref name="Network"/>'s parameters or <paramref name="Inputs"/> changed: the full check
/// works on copies; the fast check moves the parameters in place and puts them back bit for bit, overwriting the
/// network's activation and gradient buffers as a training step would.
/// </summary>
public sealed record GradientProblem(Mlp Network, double[] Inputs, double[] Targets, int Count, Loss Loss)
{
    /// <summary>Throws <see cref="ArgumentException"/> when the shapes do not fit the network.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Network);
        ArgumentNullException.ThrowIfNull(Loss);
        if (Count < 1)
        {
            throw new ArgumentException($"a gradient check needs at least one example, got {Count}");
        }
        if (Inputs.Length != Count * Network.InputSize || Targets.Length != Count * Network.OutputSize)
        {
            throw new ArgumentException(
                $"{Count} examples need {Count * Network.InputSize} inputs and {Count * Network.OutputSize} targets; got {Inputs.Length} and {Targets.Length}");
        }
    }

    /// <summary>
    /// The tensors with respect to which J is differentiated: W_l, b_l and, for a normed layer, gamma_l and beta_l, for
    /// l = 1..L, then x.
    /// </summary>
    public IReadOnlyList<TensorId> Tensors()
    {
        var tensors = new List<TensorId>();
        for (int l = 1; l <= Network.Depth; l++)
        {
            tensors.Add(new TensorId(TensorKind.Weights, l));
            tensors.Add(new TensorId(TensorKind.Biases, l));
            if (Network.Layers[l - 1].Norm != Normalization.None)
            {
                tensors.Add(new TensorId(TensorKind.NormGain, l));
                tensors.Add(new TensorId(TensorKind.NormBias, l));
            }
        }
        tensors.Add(new TensorId(TensorKind.Inputs, 0));
        return tensors;
    }

    /// <summary>(rows, columns) of a tensor: W_l is units x inputs, b_l, gamma_l and beta_l one row (gamma_l and beta_l empty without a norm), x is m x inputs.</summary>
    public (int Rows, int Cols) Shape(TensorId tensor) => tensor.Kind switch
    {
        TensorKind.Weights => (Network.Layers[tensor.Layer - 1].OutputSize, Network.Layers[tensor.Layer - 1].InputSize),
        TensorKind.Biases => (1, Network.Layers[tensor.Layer - 1].OutputSize),
        TensorKind.NormGain => (1, Network.Layers[tensor.Layer - 1].NormGain.Length),
        TensorKind.NormBias => (1, Network.Layers[tensor.Layer - 1].NormBias.Length),
        _ => (Count, Network.InputSize),
    };

    /// <summary>The analytic gradient of one tensor in a backward trace.</summary>
    public static double[] GradientOf(BackwardTrace trace, TensorId tensor) => tensor.Kind switch
    {
        TensorKind.Weights => trace.Layers[tensor.Layer - 1].WeightGradient,
        TensorKind.Biases => trace.Layers[tensor.Layer - 1].BiasGradient,
        TensorKind.NormGain => trace.Layers[tensor.Layer - 1].NormGainGradient,
        TensorKind.NormBias => trace.Layers[tensor.Layer - 1].NormBiasGradient,
        _ => trace.InputGradient,
    };
}
