using System.CommandLine;
using System.Globalization;
using Backprop.Core.Experiments;
using Backprop.Core.Serialization;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Cli.Results;
using Serilog;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab sweep FILE</c>: validates a sweep file, expands it to trials and runs them with the in-process
/// executor (one trial per core), writing results/&lt;name&gt;-&lt;timestamp&gt;/ as trials finish. A results folder
/// given again (<c>--resume</c> or <c>--out</c> of an earlier run) is finished without recomputing its trials.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<FileInfo?>("SWEEP_FILE") { Description = "Sweep file (format in docs/sweeps.md; its JSON Schema: lab schema).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<DirectoryInfo?>("--out", "-o") { HelpName = "DIR", Description = "Results folder (default: results/<name>-<timestamp>). An existing folder of the same sweep is resumed." };
        var resume = new Option<DirectoryInfo?>("--resume") { HelpName = "DIR", Description = "Finish the sweep in this results folder, skipping trials already done." };
        var allowLarge = new Option<bool>("--allow-large") { Description = $"Allow sweeps of more than {SweepSpec.MaxTrials} trials." };
        var extend = new Option<bool>("--extend") { Description = "Add the trials of an edited sweep file to its existing results folder (--out DIR), recording the new file as sweep.json." };
        var options = new SweepRunOptions();

        var command = new Command("sweep", "Run a sweep of network configurations and record per-layer gradient statistics for each trial.");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(allowLarge);
        options.AddTo(command, extend);
        command.SetAction((parse, cancellation) => options.RunAsync(stdout, parse, () => ResultsFolders.Prepare(stdout, parse.GetValue(file), parse.GetValue(output),
            parse.GetValue(resume), parse.GetValue(allowLarge), parse.GetValue(extend)), cancellation));
        return command;
    }

    internal static async Task<int> RunAsync(TextWriter o, SweepSpec spec, ResultsDirectory results, SweepRun run, TimeSpan saveTimeout, CancellationToken cancellation)
    {
        var grid = new SweepGrid(spec);
        // Every key here is a trial of the sweep (other lines went to quarantine when the folder was opened), so the
        // trials left are counted without going through the grid.
        var done = new HashSet<string>(results.All().Where(r => r.Outcome != Outcome.Failed).Select(r => r.Key), StringComparer.Ordinal);
        run.CheckMemory(grid);
        results.EnsureSweepId(spec.Name);
        using var runLog = RunLog.Start(results.LogFile);
        o.WriteLine($"sweep {spec.Name}: {grid.Count} trials ({done.Count} already done) {run.Describe()}, results in {results.Path}");
        // The estimate schedules every pending trial: for a sweep too large for that, it is left out.
        if (grid.Count - done.Count is > 0 and <= SweepSpec.MaxTrials)
        {
            o.WriteLine(SweepEstimate.Line(grid.From().Where(t => !done.Contains(t.Key)).Select(t => t.Config),
                run.OnCluster ? null : run.Parallel, SweepEstimate.MeasureRate()));
        }
        Log.Information("Sweep {SweepId} ({SweepName}) starting: {Trials} trials, {Done} done, {Executor}, results in {ResultsPath}",
            results.SweepId, spec.Name, grid.Count, done.Count, run.Describe(), results.Path);

        // Every field the sweep varies is named in each trial's line, so no two trials print alike.
        IReadOnlyList<string> axes = grid.Varying();
        bool complete = await WithView(o, grid.Count, results.All(), axes, view => run.InProcess
            ? RunInProcess(grid, done, results, view, run.Parallel, saveTimeout, cancellation)
            : run.RunDistributedAsync(grid, results, view, saveTimeout, cancellation));

        // What the sweep's bookkeeping holds (the grid, the window in flight, the unsaved results, the keys saved): the
        // figure that must not grow with the number of trials. A full collection first, so it counts live objects only.
        Log.Information("Sweep {SweepId} ended its run with {ManagedHeapBytes} bytes of managed heap in use", results.SweepId, GC.GetTotalMemory(forceFullCollection: true));
        IReadOnlyList<TrialResult> outcome = results.All();
        if (!complete)
        {
            o.WriteLine($"interrupted: {outcome.Count} of {grid.Count} trials are saved in {results.Path}");
            o.WriteLine($"finish with: lab sweep --resume {results.Path}");
            return ExitCodes.Interrupted;
        }
        // summary.csv is derived from trials.jsonl: written again even when nothing ran, so a folder of older result
        // lines (read and brought up to the current schema) gets the current columns.
        results.Flush();
        // The same code path as `lab report` (and what a reader opens first).
        ReportCommand.Render(o, results.Path);
        SweepTable.Write(o, outcome);
        o.WriteLine($"results: {results.TrialsFile}, {results.SummaryFile}, log {results.LogFile}");
        int failed = ResultCounts.Of(outcome).Failed;
        if (failed > 0)
        {
            o.WriteLine($"{failed} trial{(failed == 1 ? "" : "s")} failed (see the error column of summary.csv); run the sweep again to retry them");
            return ExitCodes.InternalError;
        }
        return ExitCodes.Ok;
    }

    /// <summary>The live display when writing to a terminal, plain lines otherwise (pipes, CI, tests).</summary>
    private static Task<bool> WithView(TextWriter o, long total, IReadOnlyList<TrialResult> done, IReadOnlyList<string> axes, Func<ISweepView, Task<bool>> body) =>
        Output.ConsoleWriters.IsConsoleOut(o) && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
            ? LiveSweepView.RunAsync(total, done.Where(r => r.Outcome != Outcome.Failed).ToArray(), axes, body)
            : body(new PlainSweepView(o, axes));

    /// <summary>
    /// Runs the trials of <paramref name="grid"/> not in <paramref name="done"/> in this process, <paramref name="jobs"/> at
    /// once. A sweep of up to <see cref="InProcessWindow"/> trials runs longest first as a whole (see
    /// <see cref="SweepExecutor"/>); a larger one a window at a time, longest first within each, taken from the grid as
    /// the workers need them, so only a window of trials is ever made.
    /// </summary>
    internal static async Task<bool> RunInProcess(SweepGrid grid, HashSet<string> done, ResultsDirectory results, ISweepView view, int jobs,
        TimeSpan saveTimeout, CancellationToken cancellation)
    {
        IEnumerable<TrialConfig> pending = grid.From().Where(t => !done.Contains(t.Key)).Select(t => t.Config)
            .Chunk(InProcessWindow).SelectMany(window => window.OrderByDescending(c => c.EstimatedCost()));
        long finished = done.Count;
        string? problem = null;
        await SweepExecutor.RunStreamingAsync(pending, result =>
        {
            results.Add(result);
            results.FlushIfDue(TimeSpan.FromSeconds(2));
            view.TrialFinished(result, ++finished, grid.Count);
            Log.Debug("Trial {TrialKey} of sweep {SweepId} finished: {Outcome}", result.Key, results.SweepId, result.Outcome);
            if (results.SaveProblem != problem && (problem = results.SaveProblem) is not null)
            {
                view.Message(results.WaitingMessage());
            }
        }, jobs, cancellation);
        bool saved = cancellation.IsCancellationRequested ? results.TrySave() : await results.SaveWithRetryAsync(saveTimeout, view.Message, cancellation);
        return saved ? !cancellation.IsCancellationRequested : throw new ResultsNotSavedException(results);
    }

    /// <summary>Trials made and ordered at once by an in-process sweep.</summary>
    internal const int InProcessWindow = 4096;
}
