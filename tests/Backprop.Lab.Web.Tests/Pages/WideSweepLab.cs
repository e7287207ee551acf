using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// A real results folder of a sweep with ten weight scales on a linear grid (0.5 to 4: 0.8888888888888888 and the
/// like), two depths and one activation, made by <c>lab sweep --in-process</c>; the real server over it, and headless
/// Chromium.
/// </summary>
public sealed class WideSweepLab() : ServedResultsLab("backprop-web-wide-")
{
    public const string SweepName = "web-wide";

    private const string SweepText = """
        {
          "name": "web-wide",
          "base": { "width": 6, "activation": "tanh", "dataset": "teacher", "samples": 16, "batch_size": 16, "steps": 2, "record_every": 1 },
          "grid": { "depth": [2, 3], "sigma_w2": { "linear": [0.5, 4], "count": 10 } }
        }
        """;

    /// <summary>The trials as trials.jsonl holds them.</summary>
    public IReadOnlyList<TrialResult> Trials { get; private set; } = [];

    protected override Task MakeResultsAsync()
    {
        Trials = LabSweep.Run(Root, SweepName, SweepText, Path.Combine(ResultsRoot, SweepName));
        return Task.CompletedTask;
    }
}
