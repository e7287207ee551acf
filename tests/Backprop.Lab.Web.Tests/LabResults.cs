using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Tests;

/// <summary>
/// A real results folder made once for the tests that need one: a small sweep (two activations, a linear depth grid,
/// four weight scales, two seeds, fixed seeds; some trials diverge) run by the real <c>lab sweep --in-process</c>,
/// which also renders its report, under <see cref="Root"/>/<see cref="SweepName"/>.
/// </summary>
public sealed class LabResults : IDisposable
{
    public const string SweepName = "web-tiny";

    public const string SweepText = """
        {
          "name": "web-tiny",
          "base": { "width": 16, "init": "gaussian", "sigma_b": 0.0, "dataset": "teacher", "samples": 64, "batch_size": 32,
                    "steps": 20, "learning_rate": 0.05, "optimizer": "sgd", "record_every": 5, "seeds": 2 },
          "grid": { "activation": ["tanh", "relu"], "depth": [2, 4, 6], "sigma_w2": [0.5, 1, 2, 4] }
        }
        """;

    public LabResults()
    {
        Root = Directory.CreateTempSubdirectory("backprop-web-").FullName;
        Folder = Path.Combine(Root, "results", SweepName);
        Trials = LabSweep.Run(Root, SweepName, SweepText, Folder);
    }

    /// <summary>The temporary folder; results/ inside it is what the server is given.</summary>
    public string Root { get; }

    public string ResultsRoot => Path.Combine(Root, "results");

    /// <summary>results/web-tiny: the sweep's results folder.</summary>
    public string Folder { get; }

    /// <summary>The trials as trials.jsonl holds them, read with the results format alone.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
