namespace Backprop.Core.Networks;

/// <summary>One layer's gradients from <see cref="ReferenceBackward"/>: dJ/dW (out x in), dJ/db, and dJ/dgamma, dJ/dbeta of its norm.</summary>
public sealed record ReferenceLayerGradients(double[] Weights, double[] Biases, double[] NormGain, double[] NormBias);

/// <summary>The output of the forward pass, every layer's gradients and dJ/dx (m x inputs).</summary>
public sealed record ReferenceGradients(double[] Output, IReadOnlyList<ReferenceLayerGradients> Layers, double[] Input);

/// <summary>
/// Backpropagation through a network written as a reader would write it: one example at a time, a loop per sum, every
/// intermediate value kept. It reads only the network's parameters and architecture, and is the definition the fast
/// passes (<see cref="Mlp.Backward"/>: packed matrix products over the batch, fused epilogues, buffers reused) are tested
/// against entry by entry. Read it first. For each example, going down from the output with g = dJ/d(what the layer
/// above reads):
/// <code>
/// block ends here (pre):  skip = g;           g = alpha g              out = x_b + alpha a
/// block ends here (post): skip = g phi'(u);   g = alpha skip           out = phi(u), u = x_b + alpha a
/// dy = g phi'(y)                                                       a = phi(y)
/// norm:  dgamma += dy zhat, dbeta += dy,                               y = gamma zhat + beta, zhat = (z - mu) / s
///        dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s, dzhat = gamma dy
/// dW[j,k] += dz_j in_k,  db_j += dz_j                                  z = W in + b
/// g = W^T dz, plus skip where a block starts
/// </code>
/// The costs are m (out x in) multiply-adds a layer each way, as for the fast pass, but with none of its speed.
/// </summary>
public static class ReferenceBackward
{
    /// <summary>Forward and backward over m examples of <paramref name="x"/> (m x inputs) from dJ/d(output) (m x outputs).</summary>
    public static ReferenceGradients Run(Mlp network, ReadOnlySpan<double> x, int m, ReadOnlySpan<double> outputGradient)
    {
        ArgumentNullException.ThrowIfNull(network);
        int depth = network.Depth;
        var gradients = network.Layers
            .Select(l => new ReferenceLayerGradients(new double[l.Weights.Length], new double[l.Biases.Length], new double[l.NormGain.Length], new double[l.NormBias.Length]))
            .ToArray();
        var output = new double[m * network.OutputSize];
        var inputGradient = new double[m * network.InputSize];
        for (int i = 0; i < m; i++)
        {
            var pass = new ExamplePass(network);
            double[] y = pass.Forward(x.Slice(i * network.InputSize, network.InputSize).ToArray());
            y.CopyTo(output, i * network.OutputSize);
            double[] g = outputGradient.Slice(i * network.OutputSize, network.OutputSize).ToArray();
            pass.Backward(g, gradients).CopyTo(inputGradient, i * network.InputSize);
        }
        return new ReferenceGradients(output, gradients, inputGradient);
    }

    /// <summary>One example's values at every layer, kept by the forward pass for the backward pass.</summary>
    private sealed class ExamplePass(Mlp network)
    {
        private readonly double[][] _in = new double[network.Depth][];
        private readonly double[][] _zhat = new double[network.Depth][];
        private readonly double[] _s = new double[network.Depth];
        private readonly double[][] _y = new double[network.Depth][];
        private readonly double[][] _u = new double[network.Depth][];

        public double[] Forward(double[] input)
        {
            double[] h = input;
            var blockInputs = new Dictionary<int, double[]>();
            for (int l = 0; l < network.Depth; l++)
            {
                DenseLayer layer = network.Layers[l];
                if (network.BlockStartingAt(l) is not null)
                {
                    blockInputs[l] = h;
                }
                _in[l] = h;
                double[] z = new double[layer.OutputSize];
                for (int j = 0; j < layer.OutputSize; j++)
                {
                    z[j] = layer.Biases[j];
                    for (int k = 0; k < layer.InputSize; k++)
                    {
                        z[j] += layer[j, k] * h[k];
                    }
                }
                _y[l] = layer.Norm == Normalization.None ? z : Normalize(l, layer, z);
                double[] a = _y[l].Select(layer.Activation.Apply).ToArray();
                h = a;
                if (network.BlockEndingAt(l) is ResidualBlock block)
                {
                    double[] xb = blockInputs[block.First];
                    _u[l] = xb.Select((v, j) => v + block.Scale * a[j]).ToArray();
                    h = block.After is Activation after ? _u[l].Select(after.Apply).ToArray() : _u[l];
                }
            }
            return h;
        }

        private double[] Normalize(int l, DenseLayer layer, double[] z)
        {
            int n = z.Length;
            double mean = z.Sum() / n;
            double variance = z.Sum(v => (v - mean) * (v - mean)) / n;
            _s[l] = Math.Sqrt(variance + DenseLayer.NormEpsilon);
            _zhat[l] = z.Select(v => (v - mean) / _s[l]).ToArray();
            return _zhat[l].Select((v, j) => layer.NormGain[j] * v + layer.NormBias[j]).ToArray();
        }

        /// <summary>Adds this example's dJ/dparameters to <paramref name="sums"/>; returns dJ/dx.</summary>
        public double[] Backward(double[] g, ReferenceLayerGradients[] sums)
        {
            var skips = new Dictionary<int, double[]>();
            for (int l = network.Depth - 1; l >= 0; l--)
            {
                DenseLayer layer = network.Layers[l];
                if (network.BlockEndingAt(l) is ResidualBlock block)
                {
                    double[] skip = block.After is Activation after ? g.Select((v, j) => v * after.Derivative(_u[l][j])).ToArray() : g;
                    skips[block.First] = skip;
                    g = skip.Select(v => block.Scale * v).ToArray();
                }
                double[] dz = g.Select((v, j) => v * layer.Activation.Derivative(_y[l][j])).ToArray();
                if (layer.Norm != Normalization.None)
                {
                    dz = NormBackward(l, layer, dz, sums[l]);
                }
                double[] below = new double[layer.InputSize];
                for (int j = 0; j < layer.OutputSize; j++)
                {
                    sums[l].Biases[j] += dz[j];
                    for (int k = 0; k < layer.InputSize; k++)
                    {
                        sums[l].Weights[j * layer.InputSize + k] += dz[j] * _in[l][k];
                        below[k] += layer[j, k] * dz[j];
                    }
                }
                if (skips.TryGetValue(l, out double[]? skipGradient))
                {
                    below = below.Select((v, k) => v + skipGradient[k]).ToArray();
                }
                g = below;
            }
            return g;
        }

        private double[] NormBackward(int l, DenseLayer layer, double[] dy, ReferenceLayerGradients sums)
        {
            int n = dy.Length;
            double[] zhat = _zhat[l];
            var dzhat = new double[n];
            for (int j = 0; j < n; j++)
            {
                sums.NormGain[j] += dy[j] * zhat[j];
                sums.NormBias[j] += dy[j];
                dzhat[j] = layer.NormGain[j] * dy[j];
            }
            double meanD = dzhat.Sum() / n;
            double meanDZ = dzhat.Select((v, j) => v * zhat[j]).Sum() / n;
            return dzhat.Select((v, j) => (v - meanD - zhat[j] * meanDZ) / _s[l]).ToArray();
        }
    }
}
