using Backprop.Core.Experiments.Data;

namespace Backprop.Core.Experiments;

/// <summary>
/// How much arithmetic a trial's training is, so that a sweep's duration can be estimated before it runs: the
/// multiply-adds of its dense layers, which dominate every trial that is worth waiting for. Times a rate measured on
/// this machine (seconds per multiply-add), it gives seconds.
/// </summary>
public static class TrialCost
{
    /// <summary>
    /// Multiply-adds of training <paramref name="config"/>: per step and per example of the batch (m), each layer of
    /// n_out x n_in weights costs n_out*n_in forward (z = W a), and 2*n_out*n_in backward (dW = delta a^T and
    /// delta_prev = W^T delta); each unit costs about one more (bias, activation, its derivative). So
    /// steps * m * (3 * sum(n_out*n_in) + sum(n_out)), over the hidden layers and the readout (none for the gaussian
    /// dataset). Statistics and the data set's generation are left out.
    /// </summary>
    public static double MultiplyAdds(TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        (int count, int input, int output) = Datasets.Shape(config.Dataset, config.Samples, config.Width, config.InputDim, config.TopWidth);
        double m = Math.Min(Math.Max(config.BatchSize, 1), Math.Max(count, 1));
        double weights = 0, units = 0, previous = input;
        for (int l = 0; l < config.Depth; l++)
        {
            weights += previous * config.HiddenWidth(l);
            units += config.HiddenWidth(l);
            previous = config.HiddenWidth(l);
        }
        if (TrialRunner.HasReadout(config))
        {
            weights += previous * output;
            units += output;
        }
        return config.Steps * m * (3 * weights + units);
    }

    /// <summary>
    /// When the last of <paramref name="durations"/> ends if they run on <paramref name="slots"/> workers, longest
    /// first, each on the first worker free (the order sweeps start their trials in: LPT list scheduling).
    /// </summary>
    public static double Makespan(IEnumerable<double> durations, int slots)
    {
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        var free = new PriorityQueue<int, double>();
        for (int s = 0; s < slots; s++)
        {
            free.Enqueue(s, 0);
        }
        double end = 0;
        foreach (double d in durations.OrderByDescending(d => d))
        {
            free.TryDequeue(out int slot, out double at);
            end = Math.Max(end, at + d);
            free.Enqueue(slot, at + d);
        }
        return end;
    }
}
