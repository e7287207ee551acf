using System.CommandLine;
using Backprop.Lab.Reports;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab report RESULTS_DIR</c>: re-renders RESULTS_DIR/report/ (index.html and figures) from the stored results,
/// without training, through the same <see cref="ReportRenderer"/> that <c>lab sweep</c> and the aggregator use.
/// Also writes report/sweep.html, the interactive sweep view of <c>lab serve</c> as one self-contained offline file.
/// Says what it skipped and why; exits non-zero only when nothing could be rendered.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var folder = new Argument<DirectoryInfo>("RESULTS_DIR") { Description = "A results folder of lab sweep (holding sweep.json and trials.jsonl)." };
        var noSvg = new Option<bool>("--no-svg") { Description = "Write PNG figures only." };
        var command = new Command("report", "Render the gradient-flow report (figures and report/index.html) of a results folder, without training.");
        command.Arguments.Add(folder);
        command.Options.Add(noSvg);
        command.SetAction(parse =>
        {
            DirectoryInfo directory = parse.GetRequiredValue(folder);
            if (!directory.Exists)
            {
                throw new UserInputException($"{directory.FullName} does not exist; give a results folder of lab sweep");
            }
            ReportOutcome outcome = Render(stdout, directory.FullName, new ReportOptions(Svg: !parse.GetValue(noSvg)));
            return outcome.Rendered ? ExitCodes.Ok : ExitCodes.BadInput;
        });
        return command;
    }

    /// <summary>
    /// Renders the report (figures and index.html) and, when it rendered, the interactive sweep view as one offline
    /// file beside it (report/sweep.html), and says what it wrote; shared with lab sweep.
    /// </summary>
    public static ReportOutcome Render(TextWriter o, string directory, ReportOptions? options = null)
    {
        // Read once for both: trials.jsonl of a large sweep is tens of megabytes.
        StoredResults results = StoredResults.Load(directory);
        ReportOutcome outcome = ReportRenderer.Render(directory, options, results);
        Write(o, outcome);
        if (outcome.Rendered)
        {
            o.WriteLine($"interactive report: {Backprop.Lab.Web.StaticExport.Write(directory, results)}");
        }
        return outcome;
    }

    /// <summary>What was skipped (one line each, with the reason), then the summary line; shared with lab sweep.</summary>
    public static void Write(TextWriter o, ReportOutcome outcome)
    {
        foreach (SkippedItem s in outcome.Skipped)
        {
            o.WriteLine($"report skipped {s.What}: {s.Why}");
        }
        o.WriteLine(outcome.SummaryLine());
    }
}
