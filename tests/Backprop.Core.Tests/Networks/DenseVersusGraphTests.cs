using Backprop.Core.Autodiff;
using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

/// <summary>
/// The dense engine (matrix kernels, fused derivative rules) against the scalar graph engine (one node per
/// multiply, derivatives from Ops only) on the same small networks: two independent implementations of the
/// chain rule that must agree.
/// </summary>
public class DenseVersusGraphTests
{
    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (int a = 0; a < NetworkFactory.AllActivations.Length; a++)
        {
            data.Add(a, "mse");
            data.Add(a, "softmax_cross_entropy");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dense_gradients_equal_graph_gradients_to_1e_10(int activationIndex, string lossName)
    {
        Activation phi = NetworkFactory.AllActivations[activationIndex];
        Assert.True(Loss.TryParse(lossName, out Loss loss));
        foreach (int depth in new[] { 1, 2, 3 })
        {
            ulong seed = (ulong)(activationIndex * 97 + depth * 7 + lossName.Length);
            int[] widths = Enumerable.Range(0, depth).Select(l => l == depth - 1 ? 3 : 4).ToArray();
            Mlp dense = NetworkFactory.Random(3, widths, phi, loss == Loss.MeanSquaredError ? phi : Activation.Identity,
                new Initializer(InitializerKind.Gaussian, SigmaW: 1.3, SigmaB: 0.2), seed);
            const int m = 4;
            double[] x = NetworkFactory.Matrix(m, 3, seed + 1);
            double[] y = NetworkFactory.Targets(loss, m, 3, seed + 2);
            double j = dense.ComputeGradients(x, y, m, loss);

            var graph = new GraphNetwork(dense, x, m);
            Value cost = graph.Loss(loss, y);
            cost.Backward();

            // Both sum the same products in different orders; 1e-10 of the tensor's largest entry leaves room
            // for that rounding (~1e-15 relative per operation) and for nothing else.
            Assert.Equal(j, cost.Data, 1e-12 * Math.Max(1, Math.Abs(j)));
            string context = $"{phi}, {loss}, depth {depth}";
            for (int l = 0; l < depth; l++)
            {
                AssertClose(dense.Layers[l].WeightGradient, graph.Weights[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/dW{l + 1}");
                AssertClose(dense.Layers[l].BiasGradient, graph.Biases[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/db{l + 1}");
            }
            AssertClose(dense.InputGradient.ToArray(), graph.Inputs.Select(v => v.Grad).ToArray(), $"{context}: dJ/dx");
        }
    }

    public static TheoryData<int, int> ArchitectureCases()
    {
        var data = new TheoryData<int, int>();
        for (int a = 0; a < NetworkFactory.AllActivations.Length; a++)
        {
            for (int arch = 1; arch < NetworkFactory.Architectures.Length; arch++)
            {
                data.Add(a, arch);
            }
        }
        return data;
    }

    /// <summary>Residual and normalised networks: the graph spells out every skip sum and every mean and variance of a norm.</summary>
    [Theory]
    [MemberData(nameof(ArchitectureCases))]
    public void Residual_and_layernorm_gradients_equal_graph_gradients_to_1e_12(int activationIndex, int architectureIndex)
    {
        Activation phi = NetworkFactory.AllActivations[activationIndex];
        Architecture architecture = NetworkFactory.Architectures[architectureIndex];
        ulong seed = (ulong)(activationIndex * 13 + architectureIndex);
        Mlp dense = NetworkFactory.Architectural(3, 5, 5, 2, phi, architecture, new Initializer(InitializerKind.Gaussian, SigmaW: 1.2, SigmaB: 0.3), seed);
        const int m = 3;
        double[] x = NetworkFactory.Matrix(m, 3, seed + 1);
        double[] y = NetworkFactory.Matrix(m, 2, seed + 2);
        double j = dense.ComputeGradients(x, y, m, Loss.MeanSquaredError);

        var graph = new GraphNetwork(dense, x, m);
        Value cost = graph.Loss(Loss.MeanSquaredError, y);
        cost.Backward();

        Assert.Equal(j, cost.Data, 1e-12 * Math.Max(1, Math.Abs(j)));
        // Relative to each tensor's largest entry (floor 1: relative = 1e-12 of it): the norm's backward subtracts two
        // means from every entry of a row, so an entry small beside its row carries the rounding of the row's larger ones.
        string context = $"{phi}, architecture {architectureIndex}";
        for (int l = 0; l < dense.Depth; l++)
        {
            AssertClose(dense.Layers[l].WeightGradient, graph.Weights[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/dW{l + 1}", 1e-12, 1);
            AssertClose(dense.Layers[l].BiasGradient, graph.Biases[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/db{l + 1}", 1e-12, 1);
            AssertClose(dense.Layers[l].NormGainGradient, graph.Gains[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/dgamma{l + 1}", 1e-12, 1);
            AssertClose(dense.Layers[l].NormBiasGradient, graph.Shifts[l].Select(v => v.Grad).ToArray(), $"{context}: dJ/dbeta{l + 1}", 1e-12, 1);
        }
        AssertClose(dense.InputGradient.ToArray(), graph.Inputs.Select(v => v.Grad).ToArray(), $"{context}: dJ/dx", 1e-12, 1);
    }

    private static void AssertClose(double[] expected, double[] actual, string what, double relative = 1e-10, double floor = 1e-3)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (expected.Length == 0)
        {
            return;
        }
        double scale = Math.Max(expected.Max(Math.Abs), 1e-300);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), scale * floor);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: dense {expected[i]:R}, graph {actual[i]:R}");
        }
    }

    /// <summary>The network as a scalar graph: one Value per weight, bias and input, shared by every example.</summary>
    private sealed class GraphNetwork
    {
        private readonly Mlp _dense;
        private readonly int _m;

        public GraphNetwork(Mlp dense, double[] x, int m)
        {
            _dense = dense;
            _m = m;
            Weights = dense.Layers.Select((layer, l) => layer.Weights.Select((w, i) => Value.Variable($"W{l}_{i}", w)).ToArray()).ToArray();
            Biases = dense.Layers.Select((layer, l) => layer.Biases.Select((b, i) => Value.Variable($"b{l}_{i}", b)).ToArray()).ToArray();
            Gains = dense.Layers.Select((layer, l) => layer.NormGain.Select((g, i) => Value.Variable($"gamma{l}_{i}", g)).ToArray()).ToArray();
            Shifts = dense.Layers.Select((layer, l) => layer.NormBias.Select((b, i) => Value.Variable($"beta{l}_{i}", b)).ToArray()).ToArray();
            Inputs = x.Select((v, i) => Value.Variable($"x{i}", v)).ToArray();
        }

        public Value[][] Weights { get; }
        public Value[][] Biases { get; }
        public Value[][] Gains { get; }
        public Value[][] Shifts { get; }
        public Value[] Inputs { get; }

        public Value Loss(Loss loss, double[] targets)
        {
            int n = _dense.OutputSize;
            Value total = Value.Constant(0);
            for (int i = 0; i < _m; i++)
            {
                Value[] a = Inputs.Skip(i * _dense.InputSize).Take(_dense.InputSize).ToArray();
                Value[] blockInput = a;
                for (int l = 0; l < _dense.Depth; l++)
                {
                    blockInput = _dense.BlockStartingAt(l) is null ? blockInput : a;
                    a = LayerForward(l, a);
                    if (_dense.BlockEndingAt(l) is ResidualBlock block)
                    {
                        // The skip: the block's input plus alpha times the branch, then phi in the post form.
                        a = a.Select((v, j) => blockInput[j] + block.Scale * v).ToArray();
                        a = block.After is Activation after ? a.Select(v => Activate(after, v)).ToArray() : a;
                    }
                }
                double[] y = targets.Skip(i * n).Take(n).ToArray();
                total += loss == Backprop.Core.Networks.Loss.MeanSquaredError ? SquaredError(a, y) : CrossEntropy(a, y);
            }
            return total / _m;
        }

        private Value[] LayerForward(int l, Value[] input)
        {
            DenseLayer layer = _dense.Layers[l];
            var output = new Value[layer.OutputSize];
            for (int j = 0; j < layer.OutputSize; j++)
            {
                Value z = Biases[l][j];
                for (int k = 0; k < layer.InputSize; k++)
                {
                    z += Weights[l][j * layer.InputSize + k] * input[k];
                }
                output[j] = z;
            }
            if (layer.Norm == Normalization.LayerNorm)
            {
                // y = gamma (z - mean) / sqrt(var + eps) + beta, the mean and (biased) variance over the layer's units.
                Value mean = output.Aggregate(Value.Constant(0), (sum, z) => sum + z) / output.Length;
                Value variance = output.Aggregate(Value.Constant(0), (sum, z) => sum + Ops.Square(z - mean)) / output.Length;
                Value s = Ops.Pow(variance + DenseLayer.NormEpsilon, 0.5);
                output = output.Select((z, j) => Gains[l][j] * ((z - mean) / s) + Shifts[l][j]).ToArray();
            }
            return output.Select(z => Activate(layer.Activation, z)).ToArray();
        }

        /// <summary>Every activation written with the graph engine's primitives only.</summary>
        private static Value Activate(Activation phi, Value z) => phi.Kind switch
        {
            ActivationKind.Identity => z,
            ActivationKind.Sigmoid => Ops.Sigmoid(z),
            ActivationKind.Tanh => Ops.Tanh(z),
            ActivationKind.Relu => Ops.Relu(z),
            // leaky_relu(z) = relu(z) - s relu(-z)
            ActivationKind.LeakyRelu => Ops.Relu(z) - phi.Parameter * Ops.Relu(-z),
            // elu(z) = relu(z) - alpha relu(1 - e^z): z for z > 0, alpha (e^z - 1) for z < 0
            ActivationKind.Elu => Ops.Relu(z) - phi.Parameter * Ops.Relu(1.0 - Ops.Exp(z)),
            ActivationKind.Softplus => Ops.Log(1.0 + Ops.Exp(z)),
            ActivationKind.Gelu => 0.5 * z * (1.0 + Ops.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * Ops.Pow(z, 3)))),
            // |z| = relu(z) + relu(-z), with derivative 0 at the kink as the engine's abs'(0)
            ActivationKind.Abs => Ops.Relu(z) + Ops.Relu(-z),
            _ => throw new ArgumentOutOfRangeException(nameof(phi)),
        };

        private static Value SquaredError(Value[] yHat, double[] y)
        {
            Value sum = Value.Constant(0);
            for (int c = 0; c < y.Length; c++)
            {
                sum += Ops.Square(y[c] - yHat[c]);
            }
            return sum;
        }

        private static Value CrossEntropy(Value[] logits, double[] y)
        {
            Value sumExp = Value.Constant(0);
            foreach (Value a in logits)
            {
                sumExp += Ops.Exp(a);
            }
            Value logSumExp = Ops.Log(sumExp);
            Value total = Value.Constant(0);
            for (int c = 0; c < y.Length; c++)
            {
                total -= y[c] * (logits[c] - logSumExp);
            }
            return total;
        }
    }
}
