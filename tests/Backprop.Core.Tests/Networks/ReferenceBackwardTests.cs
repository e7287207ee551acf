using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

/// <summary>
/// The fast passes (packed products over the batch, fused epilogues, residual streams, in-place norm backward) against
/// <see cref="ReferenceBackward"/>, the per-example loops that define them, entry by entry.
/// </summary>
public class ReferenceBackwardTests
{
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        for (int a = 0; a < NetworkFactory.AllActivations.Length; a++)
        {
            for (int arch = 0; arch < NetworkFactory.Architectures.Length; arch++)
            {
                data.Add(a, arch);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fast_backward_equals_the_reference_loops_to_1e_12(int activationIndex, int architectureIndex)
    {
        Activation phi = NetworkFactory.AllActivations[activationIndex];
        Architecture architecture = NetworkFactory.Architectures[architectureIndex];
        ulong seed = (ulong)(activationIndex * 31 + architectureIndex * 7);
        // 5 hidden layers: a stem and 4 layers of blocks (k = 1 or 2); width 24 spans several of the kernels' tiles.
        Mlp network = NetworkFactory.Architectural(6, 24, 5, 3, phi, architecture, new Initializer(InitializerKind.Gaussian, SigmaW: 1.2, SigmaB: 0.3), seed);
        const int m = 9;
        double[] x = NetworkFactory.Matrix(m, 6, seed + 1);
        double[] g = NetworkFactory.Matrix(m, 3, seed + 2);

        double[] output = network.Forward(x, m).ToArray();
        network.Backward(g);
        ReferenceGradients reference = ReferenceBackward.Run(network, x, m, g);

        string context = $"{phi}, {Describe(architecture)}";
        AssertClose(reference.Output, output, $"{context}: output");
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            AssertClose(reference.Layers[l].Weights, layer.WeightGradient, $"{context}: dJ/dW{l + 1}");
            AssertClose(reference.Layers[l].Biases, layer.BiasGradient, $"{context}: dJ/db{l + 1}");
            AssertClose(reference.Layers[l].NormGain, layer.NormGainGradient, $"{context}: dJ/dgamma{l + 1}");
            AssertClose(reference.Layers[l].NormBias, layer.NormBiasGradient, $"{context}: dJ/dbeta{l + 1}");
        }
        AssertClose(reference.Input, network.InputGradient.ToArray(), $"{context}: dJ/dx");
    }

    [Fact]
    public void A_residual_network_has_the_blocks_its_architecture_names()
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 2, Form = BlockForm.Post, ResidualScale = "1/sqrt(L)", Norm = Normalization.LayerNorm };
        Mlp network = NetworkFactory.Architectural(3, 8, 7, 2, Activation.Tanh, architecture, new Initializer(InitializerKind.Gaussian), 1);
        // 7 hidden layers: the stem, then 3 blocks of 2; the readout is neither in a block nor normalised.
        Assert.Equal([(1, 2), (3, 4), (5, 6)], network.Blocks.Select(b => (b.First, b.Last)));
        Assert.All(network.Blocks, b => Assert.Equal(1 / Math.Sqrt(3), b.Scale, 15));
        Assert.All(network.Blocks, b => Assert.Equal(Activation.Tanh, b.After));
        Assert.All(network.Blocks, b => Assert.Equal(Activation.Identity, network.Layers[b.Last].Activation));
        Assert.Equal(Enumerable.Repeat(Normalization.LayerNorm, 7).Append(Normalization.None), network.Layers.Select(l => l.Norm));
        Assert.Equal(8 * 3 + 8 + 6 * (8 * 8 + 8) + 2 * 8 + 2 + 7 * 2 * 8, network.ParameterCount);
    }

    [Theory]
    [InlineData(8, 2, "not 1 plus a multiple of 2 (try 7 or 9)")]
    [InlineData(10, 3, "not 1 plus a multiple of 3 (try 10 or 13)")]
    public void A_depth_the_blocks_do_not_divide_is_refused_with_the_nearest_ones(int hidden, int blockDepth, string expected)
    {
        var architecture = new Architecture { Residual = true, BlockDepth = blockDepth };
        if (hidden == 10)
        {
            Assert.Null(architecture.Problem(hidden));
            Assert.Contains(expected, architecture.Problem(11));
            return;
        }
        Assert.Contains(expected, architecture.Problem(hidden));
    }

    [Theory]
    [InlineData("0.5", 4, 0.5)]
    [InlineData("1/sqrt(L)", 4, 0.5)]
    [InlineData("2/L", 4, 0.5)]
    [InlineData("3 / sqrt( L )", 9, 1.0)]
    [InlineData("1/sqrt(L)", 0, 1.0)]
    public void Residual_scales_resolve_against_the_number_of_blocks(string text, int blocks, double expected)
    {
        Assert.True(Architecture.IsScale(text));
        Assert.Equal(expected, Architecture.ResolveScale(text, blocks), 15);
    }

    [Theory]
    [InlineData("sqrt(L)")]
    [InlineData("1/depth")]
    [InlineData("-1")]
    [InlineData("")]
    public void Other_scales_are_not_scales(string text) => Assert.False(Architecture.IsScale(text));

    [Fact]
    public void Chunked_gradients_of_a_normalised_residual_network_equal_one_pass()
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 2, Norm = Normalization.LayerNorm };
        Mlp network = NetworkFactory.Architectural(4, 16, 5, 2, Activation.Tanh, architecture, new Initializer(InitializerKind.Gaussian, SigmaW: 1.1), 3);
        const int m = 37;
        double[] x = NetworkFactory.Matrix(m, 4, 4);
        double[] y = NetworkFactory.Matrix(m, 2, 5);
        double whole = network.ComputeGradients(x, y, m, Loss.MeanSquaredError);
        var expected = network.Layers.Select(l => (W: l.WeightGradient.ToArray(), G: l.NormGainGradient.ToArray(), B: l.NormBiasGradient.ToArray())).ToArray();
        double chunked = network.ComputeGradientsInChunks(x, y, m, Loss.MeanSquaredError, chunk: 8);
        Assert.Equal(whole, chunked, 1e-13);
        for (int l = 0; l < network.Depth; l++)
        {
            AssertClose(expected[l].W, network.Layers[l].WeightGradient, $"dJ/dW{l + 1}");
            AssertClose(expected[l].G, network.Layers[l].NormGainGradient, $"dJ/dgamma{l + 1}");
            AssertClose(expected[l].B, network.Layers[l].NormBiasGradient, $"dJ/dbeta{l + 1}");
        }
    }

    [Fact]
    public void A_warm_step_of_a_normalised_residual_network_allocates_nothing()
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 2, Form = BlockForm.Post, Norm = Normalization.LayerNorm };
        Mlp network = NetworkFactory.Architectural(8, 32, 5, 4, Activation.Tanh, architecture, new Initializer(InitializerKind.Gaussian), 6);
        const int m = 16;
        double[] x = NetworkFactory.Matrix(m, 8, 7);
        double[] y = NetworkFactory.Matrix(m, 4, 8);
        var optimizer = new Adam(1e-3);
        network.ComputeGradients(x, y, m, Loss.MeanSquaredError);
        optimizer.Step(network);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 3; step++)
        {
            network.ComputeGradients(x, y, m, Loss.MeanSquaredError);
            optimizer.Step(network);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_clone_keeps_the_blocks_and_the_norm_parameters()
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 1, Form = BlockForm.Post, Norm = Normalization.LayerNorm };
        Mlp network = NetworkFactory.Architectural(3, 6, 4, 2, Activation.Relu, architecture, new Initializer(InitializerKind.Gaussian), 9);
        Mlp copy = network.Clone();
        double[] x = NetworkFactory.Matrix(5, 3, 10);
        Assert.Equal(network.Forward(x, 5).ToArray(), copy.Forward(x, 5).ToArray());
        Assert.Equal(network.Blocks, copy.Blocks);
    }

    private static string Describe(Architecture a) =>
        a.Residual ? $"residual k={a.BlockDepth} {a.FormName} alpha={a.ResidualScale} norm={a.NormName}" : $"plain norm={a.NormName}";

    private static void AssertClose(double[] expected, ReadOnlySpan<double> actual, string what) => AssertClose(expected, actual.ToArray(), what);

    /// <summary>Entry by entry within 1e-12 of the entry, or of 1e-3 of the tensor's largest entry for entries near zero.</summary>
    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (expected.Length == 0)
        {
            return;
        }
        double scale = Math.Max(expected.Max(Math.Abs), 1e-300);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-12 * Math.Max(Math.Abs(expected[i]), scale * 1e-3);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: fast {actual[i]:R}, reference {expected[i]:R}");
        }
    }
}
