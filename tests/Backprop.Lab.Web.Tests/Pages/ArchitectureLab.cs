using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>
/// Two real results folders made by <c>lab sweep --in-process</c> (which also writes report/sweep.html): a sweep over
/// plain and residual nets with and without layernorm at three depths (every trial measures its exact Jacobian
/// spectrum), and a sweep of plain nets alone; the real server over both, and headless Chromium.
/// </summary>
public sealed class ArchitectureLab() : ServedResultsLab("backprop-web-arch-")
{
    public const string ArchitectureSweep = "web-arch";
    public const string PlainSweep = "web-plain";

    private const string ArchitectureText = """
        {
          "name": "web-arch",
          "base": { "width": 12, "activation": "tanh", "sigma_w2": 1, "sigma_b2": 0.05, "dataset": "teacher", "samples": 32, "batch_size": 32,
                    "steps": 10, "learning_rate": 0.01, "record_every": 5, "seeds": 2, "jacobian": "exact" },
          "grid": { "architecture": ["plain", "residual"], "norm": ["none", "layernorm"], "depth": [3, 5, 9] }
        }
        """;

    private const string PlainText = """
        {
          "name": "web-plain",
          "base": { "width": 12, "activation": "tanh", "dataset": "teacher", "samples": 32, "batch_size": 32, "steps": 10, "record_every": 5 },
          "grid": { "depth": [2, 4], "sigma_w2": [1, 2] }
        }
        """;

    public string Folder(string sweep) => Path.Combine(ResultsRoot, sweep);

    /// <summary>The architectures sweep's trials as trials.jsonl holds them.</summary>
    public IReadOnlyList<TrialResult> Trials { get; private set; } = [];

    protected override Task MakeResultsAsync()
    {
        Trials = LabSweep.Run(Root, ArchitectureSweep, ArchitectureText, Folder(ArchitectureSweep));
        LabSweep.Run(Root, PlainSweep, PlainText, Folder(PlainSweep));
        return Task.CompletedTask;
    }
}
