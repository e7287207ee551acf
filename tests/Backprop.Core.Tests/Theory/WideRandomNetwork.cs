using System.Numerics.Tensors;
using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Theory;

/// <summary>
/// A direct simulation of a wide random network in plain arrays, independent of the engine: plain or residual (pre form)
/// hidden layers of one width, with or without layernorm (gamma = 1, beta = 0, eps = 1e-5), weights ~ N(0, sw2/width),
/// biases ~ N(0, sb2). A batch of inputs of mean square exactly 1 goes forward; a gradient with independent N(0, 1) entries
/// is put on the top hidden layer's output and goes back by the backward rules of the architectures spec.
/// </summary>
internal static class WideRandomNetwork
{
    public const double Epsilon = 1e-5;

    /// <summary>What one simulation measured, every gradient relative to the top hidden layer's output (summed over the batch).</summary>
    /// <param name="Q">Per layer, the mean over units and examples of phi's input squared.</param>
    /// <param name="OutputGradient">Per layer, sum ||dJ/d(output)||^2 (the stream for a block's last layer).</param>
    /// <param name="PreActivationGradient">Per layer, sum ||dJ/dz||^2.</param>
    /// <param name="StreamMeanSquare">Per block input b = 1..B+1 (the last is the top block's output), mean x^2.</param>
    /// <param name="StreamMean">Per block input, mean x.</param>
    /// <param name="StreamGradient">Per block input, sum ||dJ/dx_b||^2.</param>
    public sealed record Measurement(
        double[] Q, double[] OutputGradient, double[] PreActivationGradient, double[] StreamMeanSquare, double[] StreamMean, double[] StreamGradient);

    /// <summary>Simulates depth hidden layers: a plain stack when blockDepth is 0, else a stem and (depth - 1)/blockDepth pre-form blocks.</summary>
    public static Measurement Run(
        Activation phi, double sw2, double sb2, int width, int depth, int blockDepth, double alpha, bool layerNorm, int batch, int seed)
    {
        var normal = new Normal(seed);
        var layers = new Layer[depth];
        for (int l = 0; l < depth; l++)
        {
            layers[l] = new Layer(phi, sw2, sb2, width, layerNorm, normal);
        }
        var x = new double[batch][];
        for (int m = 0; m < batch; m++)
        {
            x[m] = normal.Vector(width, 1);
            TensorPrimitives.Multiply(x[m], Math.Sqrt(width / TensorPrimitives.SumOfSquares(x[m])), x[m]);
        }
        int blocks = blockDepth == 0 ? 0 : (depth - 1) / blockDepth;
        var streams = new List<double[][]>();
        double[][] h = layers[0].Forward(x);
        if (blockDepth == 0)
        {
            for (int l = 1; l < depth; l++)
            {
                h = layers[l].Forward(h);
            }
        }
        else
        {
            streams.Add(h);
            for (int b = 0; b < blocks; b++)
            {
                double[][] branch = h;
                for (int i = 0; i < blockDepth; i++)
                {
                    branch = layers[1 + b * blockDepth + i].Forward(branch);
                }
                var next = new double[batch][];
                for (int m = 0; m < batch; m++)
                {
                    next[m] = new double[width];
                    TensorPrimitives.MultiplyAdd(branch[m], alpha, h[m], next[m]);
                }
                h = next;
                streams.Add(h);
            }
        }

        var output = new double[depth];
        var pre = new double[depth];
        var streamGradient = new double[blocks + 1];
        double[][] g = Enumerable.Range(0, batch).Select(_ => normal.Vector(width, 1)).ToArray();
        if (blockDepth == 0)
        {
            for (int l = depth - 1; l >= 0; l--)
            {
                output[l] = SumOfSquares(g);
                g = layers[l].Backward(g, out pre[l]);
            }
        }
        else
        {
            for (int b = blocks - 1; b >= 0; b--)
            {
                streamGradient[b + 1] = SumOfSquares(g);
                double[][] d = g.Select(row => Scaled(row, alpha)).ToArray();
                for (int i = blockDepth - 1; i >= 0; i--)
                {
                    int l = 1 + b * blockDepth + i;
                    output[l] = i == blockDepth - 1 ? streamGradient[b + 1] : SumOfSquares(d);
                    d = layers[l].Backward(d, out pre[l]);
                }
                for (int m = 0; m < batch; m++)
                {
                    TensorPrimitives.Add(g[m], d[m], d[m]);
                }
                g = d;
            }
            streamGradient[0] = SumOfSquares(g);
            output[0] = streamGradient[0];
            layers[0].Backward(g, out pre[0]);
        }
        double top = output[depth - 1];
        return new Measurement(
            layers.Select(layer => layer.MeanSquareInput).ToArray(),
            output.Select(v => v / top).ToArray(),
            pre.Select(v => v / top).ToArray(),
            streams.Select(s => s.Average(row => TensorPrimitives.SumOfSquares(row) / width)).ToArray(),
            streams.Select(s => s.Average(row => TensorPrimitives.Sum(row) / width)).ToArray(),
            streamGradient.Select(v => v / top).ToArray());
    }

    private static double SumOfSquares(double[][] rows) => rows.Sum(row => TensorPrimitives.SumOfSquares(row));

    private static double[] Scaled(double[] row, double factor)
    {
        var result = new double[row.Length];
        TensorPrimitives.Multiply(row, factor, result);
        return result;
    }

    /// <summary>One dense layer, z = W x + b, then phi(z) or phi(layernorm(z)); it keeps what its backward pass needs.</summary>
    private sealed class Layer(Activation phi, double sw2, double sb2, int width, bool layerNorm, Normal normal)
    {
        private readonly double[][] _w = Enumerable.Range(0, width).Select(_ => normal.Vector(width, Math.Sqrt(sw2 / width))).ToArray();
        private readonly double[] _b = normal.Vector(width, Math.Sqrt(sb2));
        private double[][] _u = []; // phi's input: z, or zhat with layernorm
        private double[] _s = [];

        public double MeanSquareInput => _u.Average(row => TensorPrimitives.SumOfSquares(row) / row.Length);

        public double[][] Forward(double[][] x)
        {
            _u = new double[x.Length][];
            _s = new double[x.Length];
            var a = new double[x.Length][];
            for (int m = 0; m < x.Length; m++)
            {
                var z = new double[width];
                for (int j = 0; j < width; j++)
                {
                    z[j] = TensorPrimitives.Dot(_w[j], x[m]) + _b[j];
                }
                if (layerNorm)
                {
                    double mean = TensorPrimitives.Average(z);
                    TensorPrimitives.Subtract(z, mean, z);
                    _s[m] = Math.Sqrt(TensorPrimitives.SumOfSquares(z) / width + Epsilon);
                    TensorPrimitives.Divide(z, _s[m], z);
                }
                _u[m] = z;
                a[m] = z.Select(phi.Apply).ToArray();
            }
            return a;
        }

        /// <summary>dJ/dx from dJ/da; <paramref name="preActivation"/> is sum ||dJ/dz||^2 over the batch.</summary>
        public double[][] Backward(double[][] da, out double preActivation)
        {
            preActivation = 0;
            var dx = new double[da.Length][];
            for (int m = 0; m < da.Length; m++)
            {
                double[] u = _u[m];
                var dz = new double[width];
                for (int j = 0; j < width; j++)
                {
                    dz[j] = da[m][j] * phi.Derivative(u[j]);
                }
                if (layerNorm)
                {
                    // dz = (dzhat - mean(dzhat) - zhat mean(dzhat zhat)) / s, with gamma = 1.
                    double mean = TensorPrimitives.Average(dz), along = TensorPrimitives.Dot(dz, u) / width;
                    for (int j = 0; j < width; j++)
                    {
                        dz[j] = (dz[j] - mean - u[j] * along) / _s[m];
                    }
                }
                preActivation += TensorPrimitives.SumOfSquares(dz);
                dx[m] = new double[width];
                for (int j = 0; j < width; j++)
                {
                    TensorPrimitives.MultiplyAdd(_w[j], dz[j], dx[m], dx[m]);
                }
            }
            return dx;
        }
    }

    /// <summary>N(0, 1) draws by the Box-Muller transform from a seeded System.Random.</summary>
    private sealed class Normal(int seed)
    {
        private readonly Random _random = new(seed);

        public double[] Vector(int n, double std)
        {
            var v = new double[n];
            for (int i = 0; i < n; i += 2)
            {
                double r = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())), t = 2 * Math.PI * _random.NextDouble();
                v[i] = std * r * Math.Cos(t);
                if (i + 1 < n)
                {
                    v[i + 1] = std * r * Math.Sin(t);
                }
            }
            return v;
        }
    }
}
