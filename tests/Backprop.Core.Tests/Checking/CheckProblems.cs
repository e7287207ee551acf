using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Checking;

/// <summary>Gradient problems for the checker's tests, from fixed seeds.</summary>
internal static class CheckProblems
{
    public static GradientProblem Random(int inputs, int[] widths, Activation hidden, Activation output, Loss loss, int m, ulong seed, Initializer? init = null)
    {
        Mlp network = NetworkFactory.Random(inputs, widths, hidden, output, init ?? new Initializer(InitializerKind.XavierNormal), seed);
        return new GradientProblem(network, NetworkFactory.Matrix(m, inputs, seed + 1), NetworkFactory.Targets(loss, m, widths[^1], seed + 2), m, loss);
    }

    /// <summary>Square hidden layers (so W and W^T have the same shape) of width 4, tanh, MSE, 3 examples.</summary>
    public static GradientProblem Square(ulong seed = 5, int depth = 3, Activation? hidden = null) =>
        Random(4, Enumerable.Repeat(4, depth).ToArray(), hidden ?? Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, 3, seed);

    /// <summary>
    /// A network of 3 inputs, <paramref name="hidden"/> hidden layers of width 4 with <paramref name="architecture"/> and a
    /// readout to 2, on 3 examples under MSE (gains and biases of the norms away from 1 and 0).
    /// </summary>
    public static GradientProblem Architectural(Architecture architecture, Activation phi, ulong seed, int hidden = 5)
    {
        Mlp network = NetworkFactory.Architectural(3, 4, hidden, 2, phi, architecture, new Initializer(InitializerKind.XavierNormal, SigmaB: 0.1), seed);
        return new GradientProblem(network, NetworkFactory.Matrix(3, 3, seed + 1), NetworkFactory.Targets(Loss.MeanSquaredError, 3, 2, seed + 2), 3, Loss.MeanSquaredError);
    }

    public static GradCheckOptions Options { get; } = new() { Threads = 2 };
}
