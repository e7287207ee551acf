using System.Diagnostics;
using Backprop.Core.Experiments;
using Backprop.Lab.Reports.Analysis;
using Backprop.Lab.Reports.Figures;
using Backprop.Lab.Reports.Html;
using Backprop.Lab.Reports.Papers;
using Serilog;

namespace Backprop.Lab.Reports;

/// <summary>
/// The one code path from a results folder to its report, shared by <c>lab report</c>, <c>lab sweep</c> and the
/// aggregator grain: reads sweep.json and trials.jsonl, renders every figure it can (a figure that fails is skipped
/// with its reason, the rest go on) and writes report/index.html with report/figures/*.png and *.svg. It never
/// trains and never changes the results.
/// </summary>
public static class ReportRenderer
{
    /// <param name="resultsDirectory">The results folder (sweep.json, trials.jsonl); the report goes to its report/ folder.</param>
    /// <param name="options">Figure size and formats.</param>
    /// <param name="loaded">The folder's results when the caller has read them already (they are read otherwise).</param>
    public static ReportOutcome Render(string resultsDirectory, ReportOptions? options = null, StoredResults? loaded = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resultsDirectory);
        options ??= new ReportOptions();
        var clock = Stopwatch.StartNew();
        StoredResults results = loaded ?? StoredResults.Load(resultsDirectory);
        var skipped = new List<SkippedItem>(results.Skipped);
        if (!Directory.Exists(resultsDirectory) || (results.Trials.Count == 0 && results.SweepText is null))
        {
            Log.Warning("No report for {ResultsDirectory}: {Skipped}", resultsDirectory, skipped);
            return new ReportOutcome(resultsDirectory, null, 0, [], skipped, clock.Elapsed);
        }

        string reportDirectory = Path.Combine(resultsDirectory, ReportOptions.ReportFolder);
        string figuresDirectory = Path.Combine(reportDirectory, ReportOptions.FiguresFolder);
        Directory.CreateDirectory(figuresDirectory);
        // Figures of an earlier render (another activation, or SVGs now not wanted) would outlive the data they showed.
        foreach (string stale in Directory.EnumerateFiles(figuresDirectory).Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".svg", StringComparison.Ordinal)))
        {
            File.Delete(stale);
        }
        IReadOnlyList<ActivationGroup> groups = ActivationGroup.From(results.Trials);
        skipped.AddRange(groups.SelectMany(g => g.Excluded));
        IReadOnlyList<ActivationFindings> findings = groups.Select(ActivationFindings.Of).ToArray();
        PaperClaims? claims = PaperClaims.Of(results, skipped);

        var builders = (claims?.Builders(options) ?? []).Concat(Builders(results.Trials, groups, options)).ToArray();
        var rendered = new RenderedFigure?[builders.Length];
        var problems = new SkippedItem?[builders.Length];
        // Figures are independent plots: render them on every core (the 2,000-trial benchmark is mostly PNG encoding).
        Parallel.For(0, builders.Length, i =>
        {
            var (name, build) = builders[i];
            try
            {
                Figure? figure = build();
                if (figure is null)
                {
                    problems[i] = new SkippedItem($"figure {name}", "no trial has the data it needs");
                    return;
                }
                figure.Save(figuresDirectory, options.Svg);
                string relative = $"{ReportOptions.FiguresFolder}/{figure.Name}";
                rendered[i] = new RenderedFigure(figure.Name, figure.Title, figure.Caption, relative + ".png", options.Svg ? relative + ".svg" : null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.Warning(e, "Figure {Figure} of {ResultsDirectory} failed", name, resultsDirectory);
                problems[i] = new SkippedItem($"figure {name}", $"could not be drawn: {e.GetType().Name}: {e.Message}");
            }
        });
        var figures = rendered.OfType<RenderedFigure>().ToArray();
        skipped.AddRange(problems.OfType<SkippedItem>());

        string index = Path.Combine(reportDirectory, ReportOptions.IndexFile);
        Backprop.Core.Serialization.AtomicFile.WriteText(index, HtmlReport.Build(results, findings, figures, skipped, claims));
        var outcome = new ReportOutcome(resultsDirectory, index, results.Trials.Count, figures, skipped, clock.Elapsed);
        Log.Information("Report {Index}: {Trials} trials, {Figures} figures, {Skipped} skipped, {Seconds:F1} s",
            index, outcome.TrialsRead, figures.Length, skipped.Count, clock.Elapsed.TotalSeconds);
        return outcome;
    }

    /// <summary>Every figure of a sweep report, by name, in report order; a builder returns null when it has no data.</summary>
    private static IEnumerable<(string Name, Func<Figure?> Build)> Builders(IReadOnlyList<TrialResult> trials, IReadOnlyList<ActivationGroup> groups, ReportOptions options)
    {
        foreach (ActivationGroup g in groups.Where(g => g.Trials.Count > 0))
        {
            yield return ($"phase diagram ({g.Name})", () => PhaseDiagramFigure.Build(g, options));
            yield return ($"gradient profile ({g.Name})", () => GradientProfileFigure.Build(g, options));
            yield return ($"trainability map ({g.Name})", () => TrainabilityMapFigure.Build(g, options));
            yield return ($"per-layer gradients ({g.Name})", () => RepresentativeLayers(g, options));
        }
        if (ArchitectureFigure.Applies(trials))
        {
            yield return ("architectures", () => ArchitectureFigure.Build(trials, options));
        }
        if (JacobianFigure.Applies(trials))
        {
            yield return ("jacobian", () => JacobianFigure.Build(trials, options));
        }
        if (JacobianFigure.AppliesSpectrum(trials))
        {
            yield return ("jacobian spectrum", () => JacobianFigure.BuildSpectrum(trials, options));
        }
        yield return ("training curves", () => TrainingCurvesFigure.Build(trials, options));
        yield return ("measured vs predicted chi1", () => Chi1Figure.Build(trials, options));
    }

    /// <summary>The per-layer figure for the deepest configuration nearest the critical line (all its seeds).</summary>
    private static Figure? RepresentativeLayers(ActivationGroup g, ReportOptions options)
    {
        int depth = g.Trials.Max(t => t.Config.Depth);
        double target = TheoryCurves.CriticalSw2(g) ?? 1;
        var candidates = g.Trials.Where(t => t.Config.Depth == depth && t.Checkpoints.Count > 0).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }
        double sw2 = candidates.MinBy(t => Math.Abs(Math.Log(t.Config.SigmaW2 / target)))!.Config.SigmaW2;
        return LayerDistributionFigure.Build(candidates.Where(t => t.Config.SigmaW2 == sw2).ToList(), options, g);
    }
}
