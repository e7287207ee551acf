using System.CommandLine;
using System.Globalization;

namespace Backprop.Lab.Cli.Commands;

/// <summary>Everything one <c>lab bench</c> run measured.</summary>
internal sealed record BenchReport(
    string Kernel,
    int Cores,
    IReadOnlyList<StepFigure> Steps,
    IReadOnlyList<PyTorchFigure> PyTorch,
    string? PyTorchNote,
    IReadOnlyList<GradCheckFigure> GradChecks,
    JacobianFigure Jacobian,
    SweepFigure? Sweep,
    string? SweepNote,
    IReadOnlyList<ArchitectureStepFigure>? Architectures = null);

/// <summary>
/// <c>lab bench</c>: time per training step of three shapes (1 thread and all cores), GFLOP/s, heap bytes
/// per step; the full and fast gradient checks; the exact Jacobian spectrum against training steps; experiments/bench-sweep.json in process and on the embedded silo,
/// round by round (the Orleans runner's overhead); and,
/// with <c>--pytorch</c>, PyTorch's time for the same steps measured in the same run. No timing is asserted
/// anywhere: the figures are for reading.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table." };
        var quick = new Option<bool>("--quick") { Description = "A smoke run of a few seconds: small shapes, short rounds, 4 sweep trials." };
        var pytorch = new Option<bool>("--pytorch") { Description = "Also time PyTorch (python3 with torch) on the same shapes, side by side." };
        var script = new Option<string?>("--pytorch-script") { HelpName = "FILE", Description = "The PyTorch script (default: bench/pytorch_step.py above the current directory, else the one installed with lab)." };
        var seconds = new Option<double?>("--seconds") { HelpName = "SECONDS", Description = "Measuring time per shape and thread count (default 2; 0.3 with --quick)." };
        var sweep = new Option<string?>("--sweep") { HelpName = "FILE", Description = "Sweep file for the throughput figure (default: experiments/bench-sweep.json above the current directory, else the one installed with lab)." };
        var noSweep = new Option<bool>("--no-sweep") { Description = "Skip the sweep throughput figure." };
        var sweepRounds = new Option<int?>("--sweep-rounds") { HelpName = "N", Description = "Rounds of the sweep, each in process and on a new embedded silo, taking turns to go first (default 3; 1 with --quick)." };

        var command = new Command("bench", "Measure the engine: ms and GFLOP/s per training step, bytes allocated per step, gradient checks, sweep throughput in process and on the embedded silo.");
        foreach (Option option in new Option[] { json, quick, pytorch, script, seconds, sweep, noSweep, sweepRounds })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            double budget = parse.GetValue(seconds) ?? (isQuick ? 0.3 : 2.0);
            if (!(budget > 0 && budget <= 600))
            {
                throw new UserInputException($"--seconds must be in (0, 600], got {budget.ToString(CultureInfo.InvariantCulture)}");
            }
            int rounds = parse.GetValue(sweepRounds) ?? (isQuick ? 1 : 3);
            if (rounds is < 1 or > 100)
            {
                throw new UserInputException($"--sweep-rounds must be in 1..100, got {rounds}");
            }
            BenchReport report = Measure(isQuick, budget, parse.GetValue(pytorch), parse.GetValue(script), parse.GetValue(noSweep) ? null : parse.GetValue(sweep) ?? "", rounds, stderr: parse.InvocationConfiguration.Error);
            if (parse.GetValue(json))
            {
                BenchOutput.WriteJson(stdout, report);
            }
            else
            {
                BenchOutput.WriteTable(stdout, report);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    // sweepFile: null to skip, "" for the default file if it exists, else that file.
    private static BenchReport Measure(bool quick, double budget, bool pytorch, string? script, string? sweepFile, int sweepRounds, TextWriter stderr)
    {
        IReadOnlyList<BenchShape> shapes = quick ? BenchShape.Quick : BenchShape.Standard;
        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];

        string? python = null, scriptPath = null, pytorchNote = null;
        if (pytorch)
        {
            scriptPath = BenchPyTorch.FindScript(script);
            python = scriptPath is null ? null : BenchPyTorch.FindPython();
            pytorchNote = scriptPath is null ? "bench/pytorch_step.py not found; give --pytorch-script"
                : python is null ? "no python3 with torch (Debian: apt-get install python3-torch libopenblas0-pthread)"
                : null;
        }

        var steps = new List<StepFigure>();
        var torch = new List<PyTorchFigure>();
        foreach (int threads in threadCounts)
        {
            foreach (BenchShape shape in shapes)
            {
                stderr.WriteLine($"bench: {shape.Name}, {threads} thread(s)");
                // Ours, then PyTorch's, back to back, so both see the same machine load.
                steps.Add(BenchMeasurements.TrainingStep(shape, threads, budget));
                if (python is not null && scriptPath is not null)
                {
                    torch.Add(BenchPyTorch.Run(python, scriptPath, shape, threads, budget));
                }
            }
        }

        var checks = new List<GradCheckFigure>();
        foreach (int threads in threadCounts)
        {
            stderr.WriteLine($"bench: full gradient check, {threads} thread(s)");
            checks.Add(BenchMeasurements.FullCheck(threads, width: quick ? 8 : 32));
        }
        BenchShape fastShape = quick ? new BenchShape("fast", 4, 64, 32) : new BenchShape("fast", 20, 256, 128);
        stderr.WriteLine("bench: fast gradient check");
        checks.Add(BenchMeasurements.FastCheck(fastShape, rounds: quick ? 3 : 15));
        stderr.WriteLine("bench: Jacobian spectrum");
        JacobianFigure jacobian = BenchJacobian.Measure(quick ? BenchJacobian.Quick : BenchJacobian.Standard, rounds: quick ? 3 : 7);

        stderr.WriteLine("bench: residual and layernorm steps against plain ones");
        var (archDepth, archWidth, archBatch) = quick ? (5, 64, 32) : (21, 256, 128);
        Func<string, double>? torchArchitecture = python is null || scriptPath is null ? null
            : name => BenchPyTorch.Run(python, scriptPath, new BenchShape(name, archDepth, archWidth, archBatch), 1, budget, name).Ms;
        IReadOnlyList<ArchitectureStepFigure> architectures = BenchArchitectures.Measure(archDepth, archWidth, archBatch,
            rounds: quick ? 3 : 9, roundSeconds: quick ? 0.05 : 0.3, torchArchitecture);

        SweepFigure? sweep = null;
        string? sweepNote = null;
        if (sweepFile is not null)
        {
            string? path = sweepFile.Length > 0 ? sweepFile : FindDefaultSweep();
            if (path is null)
            {
                sweepNote = "experiments/bench-sweep.json not found; give --sweep FILE";
            }
            else if (!File.Exists(path))
            {
                throw new UserInputException($"--sweep: no file '{path}'");
            }
            else
            {
                stderr.WriteLine($"bench: sweep {path}");
                sweep = BenchMeasurements.Sweep(path, quick ? 4 : null, sweepRounds, stderr);
            }
        }
        return new BenchReport(BenchMeasurements.Kernel, cores, steps, torch, pytorchNote, checks, jacobian, sweep, sweepNote, architectures);
    }

    /// <summary>experiments/bench-sweep.json above the current directory (a clone), else the copy beside lab.dll (the tool package).</summary>
    private static string? FindDefaultSweep()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "experiments", "bench-sweep.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}
