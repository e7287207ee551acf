using System.CommandLine;
using Backprop.Core.Checking;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab gradcheck NET_FILE --data BATCH_FILE</c>: the network's analytic gradients against central differences,
/// as a table (or JSON), with the failing layer named; <c>--fast</c> for the directional check, <c>--sweep-h</c> for
/// error against the step size (with <c>--plot FILE</c>, its V-curve as PNG or SVG), <c>--plant BUG@LAYER</c> to watch
/// the checker catch a classic mistake.
/// </summary>
internal static class GradCheckCommand
{
    public static Command Create(TextWriter stdout)
    {
        var inputs = new NetworkInputs();
        var json = new Option<bool>("--json") { Description = "Write the report as JSON (schema in docs/gradcheck.md)." };
        var fast = new Option<bool>("--fast") { Description = "Directional check along one random direction (2 forwards + 1 backward); falls back to the full check of failing tensors." };
        var step = new Option<double>("--h") { HelpName = "H", Description = "Finite-difference step h.", DefaultValueFactory = _ => 1e-6 };
        var sample = new Option<int?>("--sample") { HelpName = "K", Description = "Check K random entries per tensor instead of all." };
        var worst = new Option<int>("--worst") { HelpName = "K", Description = "Worst entries listed per tensor.", DefaultValueFactory = _ => 5 };
        var seed = new Option<ulong>("--seed") { HelpName = "SEED", Description = "Seed for sampling and directions.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { HelpName = "N", Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var float32 = new Option<bool>("--float32") { Description = "Evaluate the finite differences in float32 (to see why checks need float64)." };
        var sweep = new Option<bool>("--sweep-h") { Description = "Error against h from 1e-1 to 1e-12 for chosen entries (--entry), the best h and the V-shaped curve." };
        var entries = new Option<string[]>("--entry") { HelpName = "ENTRY", Description = "Entry for --sweep-h, 1-based: W<layer>[row,col] such as W2[3,1], b<layer>[unit], gamma<layer>[unit], beta<layer>[unit] (layernorm) or x[example,input] (repeatable).", AllowMultipleArgumentsPerToken = false };
        var plot = new Option<string?>("--plot") { HelpName = "FILE", Description = "With --sweep-h: also draw the V-curve (error against h, log-log) into FILE, PNG or SVG by its extension." };
        var plant = new Option<string?>("--plant") { HelpName = "BUG[@LAYER]", Description = $"Check a deliberately wrong backward pass: {string.Join(", ", PlantedBug.Names)} (skip-not-added@BLOCK names a residual block)." };
        var command = new Command("gradcheck", "Check a network's gradients against central finite differences and name the layer whose backward rule is wrong.");
        inputs.AddTo(command);
        foreach (Option option in new Option[] { json, fast, step, sample, worst, seed, threads, float32, sweep, entries, plot, plant })
        {
            command.Options.Add(option);
        }
        Output.MaxOutputOption.AddTo(command);
        command.SetAction(parse =>
        {
            var options = new GradCheckOptions
            {
                Step = parse.GetValue(step),
                SamplePerTensor = parse.GetValue(sample),
                WorstCount = parse.GetValue(worst),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                Precision = parse.GetValue(float32) ? Precision.Single : Precision.Double,
            };
            Validate(options);
            if (parse.GetValue(fast) && parse.GetValue(sweep))
            {
                throw new UserInputException("--fast and --sweep-h exclude each other: --fast checks every tensor along one random direction, --sweep-h studies the chosen entries (--entry) against the step size h");
            }
            if (parse.GetValue(entries) is { Length: > 0 } && !parse.GetValue(sweep))
            {
                throw new UserInputException("--entry chooses entries for --sweep-h; give --sweep-h with it");
            }
            string? plotPath = parse.GetValue(plot) is { } p ? GradCheckPlot.Validate(p, parse.GetValue(sweep)) : null;
            IBackwardPass backward = Backward(parse.GetValue(plant));
            var (definition, network, batch) = inputs.Load(parse);
            var problem = new GradientProblem(network, batch.Inputs, batch.Targets, batch.Count, definition.Loss);
            if (backward is PlantedBugBackward planted)
            {
                Guard(() => planted.Validate(network));
            }
            if (parse.GetValue(sweep))
            {
                StepSweepResult result = Guard(() => StepSweep.Run(problem, parse.GetValue(entries), options, backward));
                if (parse.GetValue(json))
                {
                    GradCheckJson.Write(stdout, result);
                }
                else
                {
                    GradCheckText.Write(stdout, result);
                }
                if (plotPath is not null)
                {
                    string written = GradCheckPlot.Write(plotPath, result);
                    if (!parse.GetValue(json))
                    {
                        stdout.WriteLine();
                        stdout.WriteLine(written);
                    }
                }
                return ExitCodes.Ok;
            }
            GradCheckReport report = parse.GetValue(fast) ? GradientChecker.Fast(problem, options, backward) : GradientChecker.Full(problem, options, backward);
            if (parse.GetValue(json))
            {
                GradCheckJson.Write(stdout, report);
            }
            else
            {
                GradCheckText.Write(stdout, report);
            }
            return report.Passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static void Validate(GradCheckOptions options)
    {
        if (!double.IsFinite(options.Step) || options.Step <= 0)
        {
            throw new UserInputException($"--h must be a positive finite number, got {options.Step}");
        }
        if (options.SamplePerTensor is < 1)
        {
            throw new UserInputException($"--sample must be at least 1 entry per tensor, got {options.SamplePerTensor}");
        }
        if (options.WorstCount < 1)
        {
            throw new UserInputException($"--worst must be at least 1, got {options.WorstCount}");
        }
        if (options.Threads < 1)
        {
            throw new UserInputException($"--threads must be at least 1, got {options.Threads}");
        }
    }

    private static IBackwardPass Backward(string? plant)
    {
        if (plant is null)
        {
            return EngineBackward.Instance;
        }
        if (!PlantedBug.TryParse(plant, out PlantedBug bug))
        {
            throw new UserInputException($"--plant '{plant}': expected one of {string.Join(", ", PlantedBug.Names)}, optionally followed by @LAYER (1-based; @BLOCK, the residual block, for skip-not-added), e.g. drop-activation-derivative@2 or skip-not-added@1");
        }
        return new PlantedBugBackward(bug);
    }

    // The core says what is wrong with an entry label or a bug that does not fit the network; on the command line that is bad input.
    private static void Guard(Action action) => Guard(() => { action(); return 0; });

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException e)
        {
            throw new UserInputException(e.Message);
        }
    }
}
