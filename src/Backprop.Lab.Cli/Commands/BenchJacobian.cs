using System.Diagnostics;
using Backprop.Core.Experiments;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The exact Jacobian spectrum of a trial's shape (<see cref="JacobianProbe.Exact"/> at <see cref="JacobianProbe.TrialInputs"/>
/// inputs, basis rows a batch at a time, as a trial records it) against training steps of the same network: seconds
/// and the ratio are medians over the rounds, with the ratio's range.
/// </summary>
internal sealed record JacobianFigure(BenchShape Shape, int Inputs, double Seconds, double StepRatio, double StepRatioLow, double StepRatioHigh, int Rounds, double MeanSquared);

internal static class BenchJacobian
{
    /// <summary>The shape of the figure: depth 32, width 256, batch 64 (a trial's exact spectrum at a width the default measures).</summary>
    public static BenchShape Standard { get; } = new("jacobian", 32, 256, 64);

    public static BenchShape Quick { get; } = new("jacobian", 8, 64, 32);

    /// <summary>
    /// Each round times three training steps (forward, MSE, backward, SGD) and then one spectrum, and its ratio is the
    /// spectrum over the median of those steps, so both sides see the same load on a shared machine.
    /// </summary>
    public static JacobianFigure Measure(BenchShape shape, int rounds)
    {
        Mlp network = Mlp.Uniform(shape.Width, shape.Width, shape.Depth, Activation.Tanh);
        new Initializer(InitializerKind.Orthogonal).Initialize(network, 5);
        var rng = new Rng(105);
        double[] x = new double[shape.Batch * shape.Width];
        double[] y = new double[shape.Batch * shape.Width];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
            y[i] = rng.NextNormal();
        }
        var sgd = new Sgd(1e-6);
        void Step()
        {
            network.ComputeGradients(x, y, shape.Batch, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        var counter = new HistogramCounter();
        int inputs = JacobianProbe.TrialInputs;
        JacobianSpectrum Spectrum() =>
            JacobianProbe.Exact(network, 0, shape.Depth - 1, x.AsSpan(0, inputs * shape.Width), inputs, shape.Batch, counter);
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed.TotalSeconds < 0.3; i++)
        {
            Step();
        }
        JacobianSpectrum spectrum = Spectrum();
        var seconds = new List<double>();
        var ratios = new List<double>();
        var steps = new double[3];
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < steps.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                Step();
                steps[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            long begin = Stopwatch.GetTimestamp();
            spectrum = Spectrum();
            double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            Array.Sort(steps);
            seconds.Add(elapsed);
            ratios.Add(elapsed / steps[1]);
        }
        seconds.Sort();
        ratios.Sort();
        return new JacobianFigure(shape, inputs, seconds[rounds / 2], ratios[rounds / 2], ratios[0], ratios[^1], rounds, spectrum.MeanSquared);
    }
}
