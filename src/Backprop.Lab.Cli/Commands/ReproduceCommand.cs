using System.CommandLine;
using System.Globalization;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Reports.Papers;
using Spectre.Console;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab reproduce NAME [--quick]</c>: runs a classic paper's sweep (experiments/papers/NAME.json, embedded in the build)
/// like any sweep, on any executor, resumable, then checks each of the paper's claims on the results and prints
/// claim | paper | measured | tolerance | verdict. Exit 0 only when every claim passes (8 otherwise).
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create(TextWriter stdout)
    {
        var name = new Argument<string?>("NAME") { Description = "The reproduction to run (lab reproduce --list shows them).", Arity = ArgumentArity.ZeroOrOne };
        var quick = new Option<bool>("--quick") { Description = "The quick size (about a minute on 2 cores) instead of the full one; the claims are the same." };
        var list = new Option<bool>("--list") { Description = "List the reproductions, their sizes and their claims' docs pages." };
        var output = new Option<DirectoryInfo?>("--out", "-o") { HelpName = "DIR", Description = "Results folder (default: results/<sweep name>-<timestamp>); the same folder again resumes it." };
        var resume = new Option<DirectoryInfo?>("--resume") { HelpName = "DIR", Description = "Finish a reproduction's results folder (or check its claims again when it is complete)." };
        var options = new SweepRunOptions();

        var command = new Command("reproduce", "Re-run a classic gradient-flow paper's experiment and check each of its claims quantitatively.");
        command.Arguments.Add(name);
        command.Options.Add(quick);
        command.Options.Add(list);
        command.Options.Add(output);
        command.Options.Add(resume);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(list))
            {
                List(stdout);
                return Task.FromResult(ExitCodes.Ok);
            }
            Reproduction? chosen = null;
            return options.RunAsync(stdout, parse, () =>
            {
                Prepared prepared = Prepare(stdout, parse.GetValue(name), parse.GetValue(quick), parse.GetValue(output), parse.GetValue(resume), out chosen);
                stdout.WriteLine($"reproducing {chosen.Citation} ({prepared.Spec.Name}); claims and tolerances: {chosen.DocsPage}");
                return prepared;
            }, cancellation, results => Check(stdout, chosen!, results.All()));
        });
        return command;
    }

    private static Prepared Prepare(TextWriter o, string? name, bool quick, DirectoryInfo? output, DirectoryInfo? resume, out Reproduction chosen)
    {
        if (resume is not null)
        {
            if (output is not null || quick)
            {
                throw new UserInputException("--resume DIR takes the reproduction from DIR/sweep.json; give no --out or --quick with it");
            }
            Prepared prepared = ResultsFolders.Prepare(o, null, null, resume, allowLarge: true, extend: false);
            if (prepared.Spec.Paper is not string paper || Reproductions.Find(paper) is not Reproduction found)
            {
                prepared.Lock.Dispose();
                throw new UserInputException($"{resume.FullName} holds sweep \"{prepared.Spec.Name}\", not a reproduction (its sweep.json names no known \"paper\"); finish it with lab sweep --resume");
            }
            if (name is not null && !string.Equals(name, found.Name, StringComparison.OrdinalIgnoreCase))
            {
                prepared.Lock.Dispose();
                throw new UserInputException($"{resume.FullName} holds a run of {found.Name}, not {name}");
            }
            chosen = found;
            return prepared;
        }
        if (name is null)
        {
            throw new UserInputException("give a reproduction's name (lab reproduce --list shows them), or --resume DIR");
        }
        chosen = Reproductions.Find(name) ?? throw new UserInputException(
            $"no reproduction is called \"{name}\"; the reproductions are {string.Join(", ", Reproductions.All.Select(r => r.Name))} (lab reproduce --list)");
        SweepSpec spec = SweepFile.Parse(Path.Combine("experiments", "papers", chosen.SweepFileName(quick)), chosen.SweepText(quick));
        return ResultsFolders.Prepare(o, spec, output);
    }

    /// <summary>Evaluates and prints the claims; the exit code of the reproduction.</summary>
    internal static int Check(TextWriter o, Reproduction reproduction, IReadOnlyList<TrialResult> trials)
    {
        IReadOnlyList<ClaimResult> claims = reproduction.Evaluate(trials);
        o.WriteLine();
        o.WriteLine($"claims of {reproduction.Citation}:");
        if (Output.ConsoleWriters.IsConsoleOut(o) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            // A terminal gets the table fitted to its width, the claims wrapped and the verdicts coloured.
            AnsiConsole.Write(Terminal(claims));
        }
        else
        {
            ClaimTable.Write(o, claims);
        }
        int passed = claims.Count(c => c.Verdict == Verdict.Pass);
        o.WriteLine(Reproductions.AllPass(claims)
            ? $"{reproduction.Name}: all {claims.Count} claims pass"
            : $"{reproduction.Name}: {passed} of {claims.Count} claims pass; see {reproduction.DocsPage} for each claim's reasoning and tolerance");
        return Reproductions.AllPass(claims) ? ExitCodes.Ok : ExitCodes.ClaimsFailed;
    }

    private static Table Terminal(IReadOnlyList<ClaimResult> claims)
    {
        var table = new Table().Border(TableBorder.Rounded).ShowRowSeparators()
            .AddColumn("claim").AddColumn("paper").AddColumn("measured").AddColumn("tolerance").AddColumn("verdict");
        foreach (ClaimResult c in claims)
        {
            string colour = c.Verdict switch { Verdict.Pass => "green", Verdict.Fail => "red", _ => "yellow" };
            table.AddRow(Markup.Escape(c.Claim), Markup.Escape(c.PaperValue), Markup.Escape(c.Measured), Markup.Escape(c.Tolerance),
                $"[{colour} bold]{ClaimTable.VerdictText(c.Verdict)}[/]");
        }
        return table;
    }

    private static void List(TextWriter o)
    {
        o.WriteLine("reproductions (lab reproduce NAME [--quick]):");
        foreach (Reproduction r in Reproductions.All)
        {
            long full = Trials(r, quick: false), fast = Trials(r, quick: true);
            o.WriteLine($"  {r.Name,-20} {r.Summary}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"",-20} {r.Citation}; {full} trials, --quick {fast}; {r.DocsPage}"));
        }
    }

    private static long Trials(Reproduction r, bool quick) => SweepFile.Parse(r.SweepFileName(quick), r.SweepText(quick)).TrialCount;
}
