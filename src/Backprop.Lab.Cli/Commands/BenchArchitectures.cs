using System.Diagnostics;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// One architecture's training step against the plain network of the same shape: the ratio of their times in each round
/// (the two timed back to back, so both see the same load), its median and range, and the architecture's own fastest
/// round and heap bytes per step.
/// </summary>
internal sealed record ArchitectureStepFigure(string Name, int Depth, int Width, int Batch, double Ms, double PlainMs,
    double Ratio, double RatioLow, double RatioHigh, int Rounds, double BytesPerStep, double? TorchMs = null, double? TorchPlainMs = null)
{
    /// <summary>PyTorch's time for this network over its time for the plain one, both measured right after ours.</summary>
    public double? TorchRatio => TorchMs / TorchPlainMs;
}

/// <summary>The residual and layernorm rows of <c>lab bench</c>: what a skip sum and a norm add to a step.</summary>
internal static class BenchArchitectures
{
    /// <summary>Each compared network: its name, its architecture, and its name for bench/pytorch_step.py --architecture.</summary>
    private static readonly (string Name, Architecture Architecture, string Torch)[] Compared =
    [
        ("residual (pre, k = 2)", new Architecture { Residual = true }, "residual"),
        ("residual (post, k = 2)", new Architecture { Residual = true, Form = BlockForm.Post }, "residual-post"),
        ("layernorm", new Architecture { Norm = Normalization.LayerNorm }, "layernorm"),
        ("residual + layernorm", new Architecture { Residual = true, Norm = Normalization.LayerNorm }, "residual-layernorm"),
    ];

    /// <summary>
    /// tanh networks of <paramref name="depth"/> hidden layers (1 + a multiple of 2, for the blocks) of width x width, then a
    /// linear readout of width units, batch rows, MSE and SGD as the plain rows; <paramref name="rounds"/> rounds each.
    /// <paramref name="torch"/>, when given, is PyTorch's ms per step for a network named as bench/pytorch_step.py names it.
    /// </summary>
    public static IReadOnlyList<ArchitectureStepFigure> Measure(int depth, int width, int batch, int rounds, double roundSeconds, Func<string, double>? torch = null)
    {
        var (plain, x, y) = Build(Architecture.Plain, depth, width, batch);
        var figures = new List<ArchitectureStepFigure>();
        double? torchPlain = torch?.Invoke("plain-readout");
        foreach (var (name, architecture, torchName) in Compared)
        {
            var (network, _, _) = Build(architecture, depth, width, batch);
            Warm(plain, x, y, batch);
            double bytes = Warm(network, x, y, batch);
            var ratios = new List<double>();
            double best = double.PositiveInfinity, bestPlain = double.PositiveInfinity;
            for (int r = 0; r < rounds; r++)
            {
                double p = Round(plain, x, y, batch, roundSeconds), a = Round(network, x, y, batch, roundSeconds);
                ratios.Add(a / p);
                (best, bestPlain) = (Math.Min(best, a), Math.Min(bestPlain, p));
            }
            ratios.Sort();
            figures.Add(new ArchitectureStepFigure(name, depth, width, batch, best, bestPlain, ratios[ratios.Count / 2], ratios[0], ratios[^1], rounds, bytes,
                torch?.Invoke(torchName), torchPlain));
        }
        return figures;
    }

    private static (Mlp Network, double[] X, double[] Y) Build(Architecture architecture, int depth, int width, int batch)
    {
        var plain = Enumerable.Repeat(new LayerSpec(width, Activation.Tanh), depth).Append(new LayerSpec(width, Activation.Identity)).ToArray();
        (LayerSpec[] specs, ResidualBlock[] blocks) = architecture.Apply(plain, depth);
        var network = new Mlp(width, specs, blocks);
        new Initializer(InitializerKind.XavierNormal).Initialize(network, 1);
        var rng = new Rng(101);
        double[] x = new double[batch * width], y = new double[batch * width];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
            y[i] = rng.NextNormal();
        }
        return (network, x, y);
    }

    /// <summary>Steps until tiered compilation has settled; returns heap bytes per step after that.</summary>
    private static double Warm(Mlp network, double[] x, double[] y, int batch)
    {
        var sgd = new Sgd(1e-4);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 3 || clock.Elapsed.TotalSeconds < 0.3; i++)
        {
            network.ComputeGradients(x, y, batch, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            network.ComputeGradients(x, y, batch, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 3.0;
    }

    /// <summary>Milliseconds per step over a round of at least <paramref name="seconds"/>.</summary>
    private static double Round(Mlp network, double[] x, double[] y, int batch, double seconds)
    {
        var sgd = new Sgd(1e-4);
        int n = 0;
        long start = Stopwatch.GetTimestamp();
        double elapsed;
        do
        {
            network.ComputeGradients(x, y, batch, Loss.MeanSquaredError);
            sgd.Step(network);
            n++;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        while (elapsed < seconds);
        return elapsed * 1000 / n;
    }
}
