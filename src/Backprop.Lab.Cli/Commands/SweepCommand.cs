using System.CommandLine;
using System.Globalization;
using Backprop.Core.Experiments;
using Backprop.Core.Serialization;
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
        var file = new Argument<FileInfo?>("SWEEP.json") { Description = "Sweep file (format in the README; schema in experiments/sweep.schema.json).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<DirectoryInfo?>("--out", "-o") { HelpName = "DIR", Description = "Results folder (default: results/<name>-<timestamp>). An existing folder of the same sweep is resumed." };
        var resume = new Option<DirectoryInfo?>("--resume") { HelpName = "DIR", Description = "Finish the sweep in this results folder, skipping trials already done." };
        var allowLarge = new Option<bool>("--allow-large") { Description = $"Allow sweeps of more than {SweepSpec.MaxTrials} trials." };
        var parallel = new Option<int>("--parallel", "-j") { HelpName = "N", Description = "Trials run at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("sweep", "Run a sweep of network configurations and record per-layer gradient statistics for each trial.");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(allowLarge);
        command.Options.Add(parallel);
        command.SetAction(async (parse, cancellation) =>
        {
            int jobs = parse.GetValue(parallel);
            if (jobs < 1)
            {
                throw new UserInputException($"--parallel must be at least 1, got {jobs}");
            }
            var (spec, results) = Prepare(parse.GetValue(file), parse.GetValue(output), parse.GetValue(resume), parse.GetValue(allowLarge));
            return await RunAsync(stdout, spec, results, jobs, cancellation);
        });
        return command;
    }

    private static (SweepSpec Spec, ResultsDirectory Results) Prepare(FileInfo? file, DirectoryInfo? output, DirectoryInfo? resume, bool allowLarge)
    {
        if (resume is not null)
        {
            if (file is not null || output is not null)
            {
                throw new UserInputException("--resume DIR takes the sweep from DIR/sweep.json; give no sweep file and no --out with it");
            }
            string sweepFile = Path.Combine(resume.FullName, "sweep.json");
            if (!File.Exists(sweepFile))
            {
                throw new UserInputException($"{resume.FullName} is not a results folder: it has no sweep.json");
            }
            return (SweepFile.Load(sweepFile, allowLarge: true), ResultsDirectory.Open(resume.FullName));
        }
        if (file is null)
        {
            throw new UserInputException("give a sweep file (e.g. experiments/quickstart.json) or --resume DIR");
        }
        // Validate completely before anything is written.
        SweepSpec spec = SweepFile.Load(file.FullName, allowLarge);
        string directory = output?.FullName
            ?? Path.Combine(Environment.CurrentDirectory, "results", $"{spec.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        string existingSweep = Path.Combine(directory, "sweep.json");
        if (File.Exists(existingSweep))
        {
            SweepSpec previous = SweepFile.Load(existingSweep, allowLarge: true);
            if (previous.Name != spec.Name)
            {
                throw new UserInputException($"{directory} holds the results of sweep \"{previous.Name}\", not \"{spec.Name}\"; choose another --out");
            }
            return (spec, ResultsDirectory.Open(directory));
        }
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new UserInputException($"{directory} exists and is not a results folder of this sweep; choose another --out");
        }
        return (spec, ResultsDirectory.Create(directory, spec.SourceText));
    }

    private static async Task<int> RunAsync(TextWriter o, SweepSpec spec, ResultsDirectory results, int jobs, CancellationToken cancellation)
    {
        foreach (string skipped in results.Skipped)
        {
            o.WriteLine($"skipped {skipped}");
        }
        IReadOnlyList<Trial> all = spec.Expand();
        var done = new HashSet<string>(results.All().Where(r => r.Outcome != Outcomes.Failed).Select(r => r.Key), StringComparer.Ordinal);
        TrialConfig[] pending = all.Where(t => !done.Contains(t.Key)).Select(t => t.Config).ToArray();
        o.WriteLine($"sweep {spec.Name}: {all.Count} trials ({done.Count} already done), {Math.Min(jobs, Math.Max(1, pending.Length))} at a time, results in {results.Path}");
        Log.Information("Sweep {SweepName} starting: {Trials} trials, {Done} done, results in {ResultsPath}", spec.Name, all.Count, done.Count, results.Path);

        int finished = done.Count;
        await SweepExecutor.RunAsync(pending, result =>
        {
            results.Add(result);
            finished++;
            o.WriteLine($"[{finished}/{all.Count}] {SweepTable.Describe(result)}");
            Log.Debug("Trial {TrialKey} of {SweepName} finished: {Outcome}", result.Key, spec.Name, result.Outcome);
        }, jobs, cancellation);
        results.Flush();
        ReportCommand.Write(o, Backprop.Lab.Reports.ReportRenderer.Render(results.Path));

        IReadOnlyList<TrialResult> outcome = results.All();
        if (cancellation.IsCancellationRequested)
        {
            o.WriteLine($"interrupted: {outcome.Count} of {all.Count} trials are saved in {results.Path}");
            o.WriteLine($"finish with: lab sweep --resume {results.Path}");
            return ExitCodes.Interrupted;
        }
        SweepTable.Write(o, outcome);
        o.WriteLine($"results: {results.TrialsFile}, {results.SummaryFile}");
        int failed = outcome.Count(r => r.Outcome == Outcomes.Failed);
        if (failed > 0)
        {
            o.WriteLine($"{failed} trial{(failed == 1 ? "" : "s")} failed (see the error column of summary.csv); run the sweep again to retry them");
            return ExitCodes.InternalError;
        }
        return ExitCodes.Ok;
    }
}
