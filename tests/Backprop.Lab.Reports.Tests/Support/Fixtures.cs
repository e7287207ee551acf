using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Tests.Support;

/// <summary>
/// Trial results built in code: each trial's error profile follows E||delta_l||^2 = chi1^(L-l) with chi1 = sw2 / critical
/// (critical 1 for tanh, 2 for relu), checkpoints every 10 steps with a decaying loss, and the weight gradient level
/// across layers (as with sigma_b = 0). Deterministic; no training.
/// </summary>
internal static class Fixtures
{
    public static List<TrialResult> Synthetic(string[] activations, int[] depths, double[] sw2s, int seeds = 1, int steps = 20, int width = 16)
    {
        var trials = new List<TrialResult>();
        foreach (string activation in activations)
        {
            double critical = activation == "relu" ? 2 : 1;
            foreach (int depth in depths)
            {
                foreach (double sw2 in sw2s)
                {
                    for (int seed = 0; seed < seeds; seed++)
                    {
                        trials.Add(One(activation, depth, sw2, (ulong)seed, sw2 / critical, steps, width));
                    }
                }
            }
        }
        return trials;
    }

    public static TrialResult One(string activation, int depth, double sw2, ulong seed, double chi1, int steps = 20, int width = 16)
    {
        var config = new TrialConfig { Activation = activation, Depth = depth, Width = width, SigmaW2 = sw2, Seed = seed, Steps = steps, RecordEvery = 10 };
        double noise = 1 + 0.05 * ((seed * 7919 % 13) / 13.0 - 0.5);
        double[] deltaSq = Enumerable.Range(1, depth).Select(l => Math.Pow(chi1, depth - l) * noise).ToArray();
        double[] gradNorm = Enumerable.Range(1, depth).Select(l => 0.1 * noise * (1 + 0.01 * l)).ToArray();
        var checkpoints = new List<Checkpoint>();
        bool diverges = chi1 > 3;
        for (int step = 0; step <= steps; step += 10)
        {
            double loss = diverges && step > 0 ? double.NaN : Math.Exp(-step / 10.0 * Math.Min(1, chi1)) * noise;
            var layers = Enumerable.Range(1, depth).Select(l => new LayerStats(l, gradNorm[l - 1] / (1 + step * 0.01), 0.01, deltaSq[l - 1],
                gradNorm[l - 1] / width * Math.Exp(-0.1 * step / 10.0 * l / depth), gradNorm[l - 1] * 0.5, 0, 0.6, 0.02)).ToList();
            checkpoints.Add(new Checkpoint(step, loss, layers));
            if (diverges && step > 0)
            {
                break;
            }
        }
        double slope = Math.Log(chi1);
        var summary = new TrialSummary(gradNorm, gradNorm, deltaSq, slope, slope * 0.98, chi1, ChiFit.DefaultFrom(depth),
            gradNorm[0] / gradNorm[^1], gradNorm[0] / gradNorm[^1], Math.Sqrt(deltaSq[0] / deltaSq[^1]), Math.Sqrt(deltaSq[0] / deltaSq[^1]));
        return new TrialResult(config.Key(), config, diverges ? Outcome.Diverged : Outcome.Ok, diverges ? 10 : null,
            checkpoints[^1].Loss, summary, checkpoints, 0.01, null);
    }

    /// <summary>Writes a results folder (sweep.json and trials.jsonl) for the given trials; returns its path.</summary>
    public static string ResultsFolder(string root, IEnumerable<TrialResult> trials, string name = "results")
    {
        string dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sweep.json"), "{ \"name\": \"fixture\", \"grid\": { \"activation\": [\"tanh\", \"relu\"] } }");
        File.WriteAllLines(Path.Combine(dir, "trials.jsonl"), trials.Select(ResultFormat.ToJsonLine));
        File.WriteAllText(Path.Combine(dir, "summary.csv"), ResultFormat.CsvHeader() + "\n");
        return dir;
    }
}
