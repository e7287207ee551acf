using System.IO.Compression;
using System.Globalization;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments.Data;

/// <summary>
/// The datasets a trial can train on, generated from the trial's seed (or, for digits, read from the copy
/// embedded in this assembly), so any silo on any machine reproduces them bit for bit.
/// </summary>
public static class Datasets
{
    public const string Teacher = "teacher";
    public const string Gaussian = "gaussian";
    public const string Spirals = "spirals";
    public const string Xor = "xor";
    public const string Digits = "digits";

    public static IReadOnlyList<string> Names { get; } = [Teacher, Gaussian, Spirals, Xor, Digits];

    /// <summary>Units in each of the teacher network's two hidden layers.</summary>
    internal const int TeacherWidth = 32;

    /// <summary>Rows the teacher network computes at a time (its buffers never grow beyond them).</summary>
    internal const int TeacherChunk = 256;

    /// <summary>Examples in the digits dataset.</summary>
    public const int DigitsCount = 1797;

    /// <summary>
    /// The shape <see cref="Create"/> gives dataset <paramref name="name"/> without building it: examples, input size and
    /// output size (for memory estimates and validation before anything is allocated).
    /// </summary>
    public static (int Count, int InputSize, int OutputSize) Shape(string name, int samples, int width, int inputDim, int? topWidth = null) => name switch
    {
        Teacher => (samples, inputDim, 1),
        Gaussian => (samples, width, topWidth ?? width),
        Spirals or Xor => (samples, 2, 2),
        Digits => (DigitsCount, 64, 10),
        _ => throw new ArgumentException($"unknown dataset \"{name}\" (expected one of: {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>
    /// Builds dataset <paramref name="name"/>. <paramref name="samples"/> is the number of generated examples
    /// (ignored by digits, which has 1797); <paramref name="inputDim"/> is the teacher's input dimension;
    /// the Gaussian setting's inputs have the network's <paramref name="width"/> (its first hidden layer's) and its
    /// cotangent, applied to the last hidden layer, that layer's <paramref name="topWidth"/> (by default the same).
    /// Every input is multiplied by <paramref name="inputScale"/> after the targets are made (the gaussian setting's
    /// inputs are then N(0, inputScale^2 I), so the first layer's length is q^1 = sigma_w^2 inputScale^2 + sigma_b^2).
    /// </summary>
    public static Dataset Create(string name, int samples, int width, int inputDim, ulong seed, int? topWidth = null, double inputScale = 1.0)
    {
        Dataset data = Make(name, samples, width, inputDim, seed, topWidth);
        if (inputScale == 1.0)
        {
            return data;
        }
        // A copy: the digits' inputs are shared by every trial.
        double[] inputs = data.Inputs.ToArray();
        System.Numerics.Tensors.TensorPrimitives.Multiply(inputs, inputScale, inputs);
        return new Dataset(data.Name, data.InputSize, data.OutputSize, inputs, data.Targets, data.DefaultLoss);
    }

    /// <summary>A dataset's inputs and targets for <paramref name="config"/> (its dataset, sizes, seed and input scale).</summary>
    public static Dataset For(TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed, config.TopWidth, config.InputScale);
    }

    private static Dataset Make(string name, int samples, int width, int inputDim, ulong seed, int? topWidth)
    {
        var rng = new Rng(Rng.DeriveSeed(seed, 0xDA7A));
        return name switch
        {
            Teacher => CreateTeacher(samples, inputDim, rng),
            Gaussian => CreateGaussian(samples, width, topWidth ?? width, rng),
            Spirals => CreateSpirals(samples, rng),
            Xor => CreateXor(samples, rng),
            Digits => LoadDigits(),
            _ => throw new ArgumentException($"unknown dataset \"{name}\" (expected one of: {string.Join(", ", Names)})", nameof(name)),
        };
    }

    /// <summary>
    /// Teacher-student regression: x ~ N(0, I), y = teacher(x) with a random 2-layer tanh teacher of width 32
    /// (Xavier normal weights, biases N(0, 0.1^2)) and one output; a student learns to imitate it.
    /// </summary>
    private static Dataset CreateTeacher(int samples, int inputDim, Rng rng)
    {
        double[] x = Normal(checked(samples * inputDim), rng);
        // The teacher lives for this call alone, so its arrays come from and go back to the trials' pool.
        var teacher = new Mlp(inputDim, [new LayerSpec(TeacherWidth, Activation.Tanh), new LayerSpec(TeacherWidth, Activation.Tanh), new LayerSpec(1, Activation.Identity)], BufferPool.Trials);
        try
        {
            new Initializer(InitializerKind.XavierNormal, SigmaB: 0.1).Initialize(teacher, rng.NextUInt64());
            // In chunks, so the teacher's buffers stay small (bit for bit the same targets as one pass).
            double[] y = new double[samples];
            teacher.ForwardInto(x, samples, y, chunk: TeacherChunk);
            return new Dataset(Teacher, inputDim, 1, x, y, Loss.MeanSquaredError);
        }
        finally
        {
            teacher.ReturnBuffers();
        }
    }

    /// <summary>
    /// The signal-propagation setting: x ~ N(0, I_width) and a fixed random cotangent v ~ N(0, I_top) per
    /// example, used with the linear loss J = (1/m) sum v . output, so delta at the top layer is v (times phi').
    /// The inputs are drawn first, so they do not depend on the top width.
    /// </summary>
    private static Dataset CreateGaussian(int samples, int width, int top, Rng rng) =>
        new(Gaussian, width, top, Normal(checked(samples * width), rng), Normal(checked(samples * top), rng), Loss.Linear);

    /// <summary>
    /// Two interleaved spirals (Lang and Witbrock 1988), two classes: for class c and t ~ U[0, 1],
    /// r = t, theta = 3 pi t + c pi, x = (r cos theta, r sin theta) + N(0, 0.02^2) noise.
    /// </summary>
    private static Dataset CreateSpirals(int samples, Rng rng)
    {
        var x = new double[checked(samples * 2)];
        var y = new double[checked(samples * 2)];
        for (int i = 0; i < samples; i++)
        {
            int c = i % 2;
            double t = rng.NextDouble();
            double theta = 3 * Math.PI * t + c * Math.PI;
            x[2 * i] = t * Math.Cos(theta) + 0.02 * rng.NextNormal();
            x[2 * i + 1] = t * Math.Sin(theta) + 0.02 * rng.NextNormal();
            y[2 * i + c] = 1.0;
        }
        return new Dataset(Spirals, 2, 2, x, y, Loss.SoftmaxCrossEntropy);
    }

    /// <summary>XOR classification: x ~ U[-1, 1]^2, class 1 when exactly one coordinate is positive.</summary>
    private static Dataset CreateXor(int samples, Rng rng)
    {
        var x = new double[checked(samples * 2)];
        var y = new double[checked(samples * 2)];
        for (int i = 0; i < samples; i++)
        {
            double a = rng.NextUniform(-1, 1), b = rng.NextUniform(-1, 1);
            x[2 * i] = a;
            x[2 * i + 1] = b;
            y[2 * i + ((a > 0) ^ (b > 0) ? 1 : 0)] = 1.0;
        }
        return new Dataset(Xor, 2, 2, x, y, Loss.SoftmaxCrossEntropy);
    }

    private static readonly Lazy<Dataset> DigitsData = new(ReadDigits);

    /// <summary>UCI optical digits (1797 8x8 images, 10 classes), pixels scaled to [0, 1]; see experiments/data/README.md.</summary>
    private static Dataset LoadDigits() => DigitsData.Value;

    private static Dataset ReadDigits()
    {
        using Stream? resource = typeof(Datasets).Assembly.GetManifestResourceStream("Backprop.Core.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("the digits dataset is missing from the Backprop.Core assembly");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var x = new List<double>(DigitsCount * 64);
        var y = new List<double>(DigitsCount * 10);
        while (reader.ReadLine() is string line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            string[] cells = line.Split(',');
            for (int k = 0; k < 64; k++)
            {
                x.Add(double.Parse(cells[k], CultureInfo.InvariantCulture) / 16.0);
            }
            int label = int.Parse(cells[64], CultureInfo.InvariantCulture);
            for (int c = 0; c < 10; c++)
            {
                y.Add(c == label ? 1.0 : 0.0);
            }
        }
        return new Dataset(Digits, 64, 10, x.ToArray(), y.ToArray(), Loss.SoftmaxCrossEntropy);
    }

    private static double[] Normal(int count, Rng rng)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = rng.NextNormal();
        }
        return values;
    }
}
