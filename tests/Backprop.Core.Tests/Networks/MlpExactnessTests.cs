using Backprop.Core.Networks;
using Backprop.Core.Randomness;
using Backprop.Core.Tests.Support;
using Xunit.Abstractions;

namespace Backprop.Core.Tests.Networks;

/// <summary>
/// Through the real network code path: a row's results do not depend on the batch around it, and the gradients of a
/// tanh unit stay exact when its input is tiny, as the exact value computed by hand says they should.
/// </summary>
public class MlpExactnessTests(ITestOutputHelper output)
{
    public static TheoryData<int> Indices() => new(Enumerable.Range(0, NetworkFactory.AllActivations.Length));

    /// <summary>
    /// One row among random others at batch sizes 1, 7, 16 and 100, first, in the middle and last. Its pre-activations,
    /// activations, deltas, input gradient and loss keep their bits. The loss gradient of the other rows is set to 0,
    /// so dJ/dW and dJ/db are that row's alone at every batch size: the products add the other rows' exact zeros, which
    /// keeps every value (compared with ==, since adding +0 may turn a -0 into +0).
    /// </summary>
    [Theory]
    [MemberData(nameof(Indices))]
    public void A_row_gives_the_same_bits_at_batch_sizes_1_7_16_and_100_wherever_it_sits(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        // The 1-wide layer makes spans of a single value at batch 1, the shortest tail a kernel can be given.
        Mlp network = NetworkFactory.Random(5, [9, 1, 3], phi, phi, new Initializer(InitializerKind.Gaussian, SigmaW: 1.3, SigmaB: 0.0), (ulong)(index + 40));
        // Inputs from 1e-300 to 12, so some units see tiny pre-activations and some saturate.
        double[] row = [1e-300, -3e-9, 2e-13, 0.8, -12.0];
        double[] target = [0.25, -0.5, 1.0];
        RowResult single = Run(network, row, target, 1, 0, seed: 1);
        int compared = 0;
        foreach (int m in new[] { 7, 16, 100 })
        {
            foreach (int position in new[] { 0, m / 2, m - 1 })
            {
                RowResult batch = Run(network, row, target, m, position, seed: (ulong)(m * 1000 + position));
                string where = $"{phi}, batch {m}, row {position}";
                AssertSameBits(single.Rows, batch.Rows, where);
                Assert.True(single.Summed.Length == batch.Summed.Length && single.Summed.Zip(batch.Summed).All(p => p.First == p.Second),
                    $"{where}: dJ/dW or dJ/db differs from batch 1");
                compared++;
            }
        }
        Assert.Equal(9, compared);
    }

    /// <summary>
    /// A layer writes delta over the phi' its forward pass kept; a second backward pass after the same forward pass
    /// finds none kept and computes phi' from z. Both must give the same bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Indices))]
    public void A_second_backward_pass_after_one_forward_pass_gives_the_same_bits(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        Mlp network = NetworkFactory.Random(4, [6, 5, 3], phi, phi, new Initializer(InitializerKind.Gaussian, SigmaW: 1.5), (ulong)(index + 70));
        const int m = 11;
        double[] x = NetworkFactory.Matrix(m, 4, 71, scale: 2.0);
        double[] g = NetworkFactory.Matrix(m, 3, 72);
        network.Forward(x, m);
        network.Backward(g);
        double[][] first = Gradients(network);
        network.Backward(g);
        double[][] second = Gradients(network);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.True(first[i].Zip(second[i]).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second)),
                $"{phi}: array {i} differs between the two backward passes");
        }
    }

    private static double[][] Gradients(Mlp network) =>
        [.. network.Layers.SelectMany(l => new[] { l.WeightGradient.ToArray(), l.BiasGradient.ToArray(), l.Delta.ToArray() }), network.InputGradient.ToArray()];

    /// <summary>
    /// A 1 -> 1 (tanh) -> 1 network, w = 1, b = 0, on 16 identical rows x = z with target 1: yhat = t = tanh z and
    /// J = (1 - t)^2, so dJ/dW2 = -2 (1 - t) t and dJ/dW1 = -2 (1 - t)(1 - t^2) z exactly. Within 6 ulp: tanh and tanh'
    /// are within 2 ulp, 1 - t and the products round once each, the scaling by -2/16 is exact, and the product adds
    /// the 16 equal terms one by one, rounding the k-th partial sum by at most half an ulp of k v: 3.2 ulp of the total.
    /// </summary>
    [Theory]
    [InlineData(1e-8)]
    [InlineData(1e-12)]
    [InlineData(1e-15)]
    [InlineData(1e-16)]
    [InlineData(1e-20)]
    [InlineData(1e-300)]
    [InlineData(-1e-300)]
    [InlineData(0.3)]
    public void A_tanh_unit_keeps_exact_gradients_for_any_input_in_a_batch_of_16(double z)
    {
        var network = new Mlp(1, [new LayerSpec(1, Activation.Tanh), new LayerSpec(1, Activation.Identity)]);
        network.Layers[0][0, 0] = 1;
        network.Layers[1][0, 0] = 1;
        const int m = 16;
        double j = network.ComputeGradients(Enumerable.Repeat(z, m).ToArray(), Enumerable.Repeat(1.0, m).ToArray(), m, Loss.MeanSquaredError);

        BigFloat t = ExactActivations.Tanh(z);
        BigFloat one = BigFloat.One, minusTwo = BigFloat.FromInteger(-2);
        BigFloat exactW2 = minusTwo * (one - t) * t;
        BigFloat exactW1 = minusTwo * (one - t) * (one - t * t) * BigFloat.FromDouble(z);
        double w2 = BigFloat.UlpError(network.Layers[1].WeightGradient[0], exactW2);
        double w1 = BigFloat.UlpError(network.Layers[0].WeightGradient[0], exactW1);
        double jErr = BigFloat.UlpError(j, (one - t) * (one - t));
        output.WriteLine($"z = {z:R}: dJ/dW2 {network.Layers[1].WeightGradient[0]:R} ({w2:F3} ulp), dJ/dW1 {network.Layers[0].WeightGradient[0]:R} ({w1:F3} ulp), J {jErr:F3} ulp");
        Assert.True(w2 <= 6, $"dJ/dW2 is {w2} ulp from the exact {exactW2}");
        Assert.True(w1 <= 6, $"dJ/dW1 is {w1} ulp from the exact {exactW1}");
    }

    /// <summary>
    /// 64 tanh layers at sigma_w^2 = 0.25: each layer about halves the signal, so the deepest activations are near
    /// 0.5^64 ~ 1e-19 and the weight gradients span as many decades. All of them must stay non-zero, and the ratio
    /// |dJ/dW1| / |dJ/dW64| finite: a tanh that flushes tiny arguments to 0 makes the deep layers' inputs 0.
    /// </summary>
    [Fact]
    public void A_deep_tanh_network_at_small_weight_variance_keeps_every_activation_and_gradient_non_zero()
    {
        const int width = 16, depth = 64, m = 8;
        Mlp network = Mlp.Uniform(width, width, depth, Activation.Tanh);
        new Initializer(InitializerKind.Gaussian, SigmaW: 0.5).Initialize(network, 5);
        double[] x = NetworkFactory.Matrix(m, width, 6);
        double[] y = NetworkFactory.Matrix(m, width, 7);
        network.ComputeGradients(x, y, m, Loss.MeanSquaredError);

        double[] rms = network.Layers.Select(l => Math.Sqrt(l.Output.ToArray().Average(v => v * v))).ToArray();
        double[] gradient = network.Layers.Select(l => Math.Sqrt(l.WeightGradient.Sum(v => v * v))).ToArray();
        output.WriteLine($"rms(a) layer 1 {rms[0]:E3}, layer {depth} {rms[^1]:E3}; |dW1| {gradient[0]:E3}, |dW{depth}| {gradient[^1]:E3}, ratio {gradient[0] / gradient[^1]:E3}");
        Assert.All(rms, r => Assert.True(r > 0, "a layer's activations are all 0"));
        Assert.All(gradient, g => Assert.True(g > 0 && double.IsFinite(g), $"a weight gradient has norm {g}"));
        Assert.True(double.IsFinite(gradient[0] / gradient[^1]));
        // Beyond the first few layers tanh is linear to 1e-6, so the signal shrinks by the same factor each layer.
        Assert.InRange(rms[^1] / rms[^2], 0.2, 1.0);
    }

    private sealed record RowResult(double[] Rows, double[] Summed);

    /// <summary>The row's own values (z, a, delta per layer, dJ/dx, J) and the batch sums (dJ/dW, dJ/db per layer).</summary>
    private static RowResult Run(Mlp network, double[] row, double[] target, int m, int position, ulong seed)
    {
        int inputs = network.InputSize, outputs = network.OutputSize;
        var rng = new Rng(seed);
        double[] x = new double[m * inputs];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = Math.Pow(10, rng.NextUniform(-12, 1)) * (rng.NextDouble() < 0.5 ? -1 : 1);
        }
        row.CopyTo(x, position * inputs);
        ReadOnlySpan<double> yhat = network.Forward(x, m);
        double[] rowGradient = new double[outputs];
        double j = Loss.MeanSquaredError.Compute(yhat.Slice(position * outputs, outputs), target, 1, outputs, rowGradient);
        double[] gradient = new double[m * outputs];
        rowGradient.CopyTo(gradient, position * outputs);
        network.Backward(gradient);

        var rows = new List<double>();
        var summed = new List<double>();
        foreach (DenseLayer layer in network.Layers)
        {
            int n = layer.OutputSize;
            rows.AddRange(layer.PreActivation.Slice(position * n, n).ToArray());
            rows.AddRange(layer.Output.Slice(position * n, n).ToArray());
            rows.AddRange(layer.Delta.Slice(position * n, n).ToArray());
            summed.AddRange(layer.WeightGradient);
            summed.AddRange(layer.BiasGradient);
        }
        rows.AddRange(network.InputGradient.Slice(position * inputs, inputs).ToArray());
        rows.Add(j);
        return new RowResult([.. rows], [.. summed]);
    }

    private static void AssertSameBits(double[] expected, double[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"{where}: value {i} is {actual[i]:R}, at batch 1 {expected[i]:R}");
        }
    }
}
