using System.Diagnostics;
using Backprop.Core.Experiments.Data;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments;

/// <summary>
/// Trains one trial with the shared core and measures its gradient flow. At step 0 and every record interval
/// (and at the last step) it records per-layer <see cref="LayerStats"/> with their <see cref="Histogram"/>s; divergence (<see cref="Divergence"/>: NaN or Inf
/// in the loss or a gradient, or a loss grown a millionfold) ends the trial as data, with the step (which is recorded),
/// never as an exception.
/// </summary>
public static class TrialRunner
{
    /// <summary>Examples used for the final loss (the whole dataset up to this many).</summary>
    public const int MaxEvaluationExamples = 8192;

    /// <summary>Runs <paramref name="config"/>; <paramref name="onCheckpoint"/> sees each checkpoint as it is recorded.</summary>
    public static TrialResult Run(TrialConfig config, Action<Checkpoint>? onCheckpoint = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var clock = Stopwatch.StartNew();
        string key = config.Key();
        // A trial larger than the heap can still hold fails here, before its arrays are allocated: an allocation that
        // exhausts the GC's hard limit (DOTNET_GCHeapHardLimit, a container's limit) can leave the regions GC with no
        // region for generation 0, and the process then dies in the GC, where no catch turns it into a sentence
        // (dotnet/runtime#74401; 24 SIGSEGVs in 680 runs of such a trial, 8 processes at once, and none with this check).
        GCMemoryInfo memory = GC.GetGCMemoryInfo();
        if (TrialMemory.Estimate(config).Bytes > memory.TotalAvailableMemoryBytes - memory.HeapSizeBytes)
        {
            throw new OutOfMemoryException();
        }
        Dataset data = Datasets.For(config);
        Loss loss = config.Loss is string name && Loss.TryParse(name, out Loss l) ? l : data.DefaultLoss;
        // The network and the optimiser's state (momentum's velocity, Adam's moments, as large as the weights) live for
        // this trial alone: their arrays come from the trials' pool and go back to it for the next trial on any worker.
        Mlp network = BuildNetwork(config, data, BufferPool.Trials);
        Optimizer optimizer = config.Optimizer switch
        {
            "momentum" => new Momentum(config.LearningRate) { Pool = BufferPool.Trials },
            "adam" => new Adam(config.LearningRate) { Pool = BufferPool.Trials },
            _ => new Sgd(config.LearningRate),
        };
        try
        {
            return Train(config, key, clock, data, network, loss, optimizer, onCheckpoint, cancellation);
        }
        finally
        {
            optimizer.ReturnBuffers();
            network.ReturnBuffers();
        }
    }

    private static TrialResult Train(TrialConfig config, string key, Stopwatch clock, Dataset data, Mlp network, Loss loss, Optimizer optimizer,
        Action<Checkpoint>? onCheckpoint, CancellationToken cancellation)
    {
        var batches = new MiniBatcher(data, config.BatchSize, config.Seed);
        int m = batches.BatchSize;

        var checkpoints = new List<Checkpoint>();
        var histograms = new HistogramCounter();
        // Before step 0's gradients: the Jacobian's backward passes overwrite the gradients the first step would take.
        JacobianSpectrum? jacobianInit = JacobianProbe.ForTrial(config, data, network, histograms);
        int? divergedAt = null;
        double lastLoss = double.NaN, initialLoss = double.NaN;
        for (int step = 0; step <= config.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            batches.Next();
            lastLoss = network.ComputeGradients(batches.Inputs, batches.Targets, m, loss);
            initialLoss = step == 0 ? lastLoss : initialLoss;
            bool diverged = !GradientStats.AllFinite(network, lastLoss) || Divergence.Diverged(lastLoss, initialLoss);
            if (diverged || step % config.RecordEvery == 0 || step == config.Steps)
            {
                var checkpoint = new Checkpoint(step, lastLoss, GradientStats.Measure(network, m, histograms));
                checkpoints.Add(checkpoint);
                onCheckpoint?.Invoke(checkpoint);
            }
            if (diverged)
            {
                divergedAt = step;
                break;
            }
            if (step < config.Steps)
            {
                optimizer.Step(network);
            }
        }

        double finalLoss = divergedAt is null ? EvaluationLoss(network, data, loss, m) : lastLoss;
        if (divergedAt is null && Divergence.Diverged(finalLoss, initialLoss))
        {
            // The loss over the dataset after the last step is past the bound although the last batch's was not: the
            // trial ends diverged all the same, so that an "ok" trial always has a final loss within the bound.
            divergedAt = config.Steps;
        }
        TrialSummary summary = Summarise(config, data, checkpoints) with
        {
            JacobianInit = jacobianInit,
            // Without a step the weights are those of step 0, and so is the spectrum.
            JacobianFinal = config.Steps == 0 ? jacobianInit : JacobianProbe.ForTrial(config, data, network, histograms),
        };
        Outcome outcome = divergedAt is null ? Outcome.Ok : Outcome.Diverged;
        return new TrialResult(key, config, outcome, divergedAt, finalLoss, summary, checkpoints, clock.Elapsed.TotalSeconds, null);
    }

    /// <summary>Depth hidden layers of Width units (or of Widths), then an identity readout (none for the Gaussian setting).</summary>
    public static Mlp BuildNetwork(TrialConfig config, Dataset data, BufferPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        Activation phi = config.ParsedActivation;
        var specs = Enumerable.Range(0, config.Depth).Select(l => new LayerSpec(config.HiddenWidth(l), phi)).ToList();
        if (HasReadout(config))
        {
            specs.Add(new LayerSpec(data.OutputSize, Activation.Identity));
        }
        (LayerSpec[] layers, ResidualBlock[] blocks) = config.ParsedArchitecture.Apply(specs, config.Depth);
        var network = new Mlp(data.InputSize, layers, blocks, pool);
        new Initializer(config.ParsedInit, Math.Sqrt(config.SigmaW2), config.SigmaB, config.Gain).Initialize(network, Rng.DeriveSeed(config.Seed, 1));
        return network;
    }

    public static bool HasReadout(TrialConfig config) => config.Dataset != Datasets.Gaussian;

    /// <summary>The loss over the first examples of the dataset, in chunks of the training batch (see <see cref="Mlp.MeanLoss"/>).</summary>
    private static double EvaluationLoss(Mlp network, Dataset data, Loss loss, int batch)
    {
        int n = Math.Min(data.Count, MaxEvaluationExamples);
        return network.MeanLoss(data.Inputs.AsSpan(0, n * data.InputSize), data.Targets.AsSpan(0, n * data.OutputSize), n, loss, batch);
    }

    private static TrialSummary Summarise(TrialConfig config, Dataset data, List<Checkpoint> checkpoints)
    {
        Checkpoint first = checkpoints[0], last = checkpoints[^1];
        double[] normInit = first.Layers.Select(s => s.GradWNorm).ToArray();
        double[] normFinal = last.Layers.Select(s => s.GradWNorm).ToArray();
        double[] deltaInit = first.Layers.Select(s => s.DeltaSq).ToArray();
        int depth = config.Depth;
        int from = ChiFit.DefaultFrom(depth);
        double? measured = ChiFit.LogSlope(deltaInit, from, depth);
        var (predictedSlope, chi1Star) = TrialTheory.For(config, data, from);
        return new TrialSummary(
            normInit, normFinal, deltaInit, measured, predictedSlope, chi1Star, from,
            normInit[0] / normInit[depth - 1], normFinal[0] / normFinal[depth - 1],
            Math.Sqrt(deltaInit[0] / deltaInit[depth - 1]), Math.Sqrt(last.Layers[0].DeltaSq / last.Layers[depth - 1].DeltaSq));
    }
}
