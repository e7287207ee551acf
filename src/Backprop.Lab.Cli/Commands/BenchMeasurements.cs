using System.Diagnostics;
using Backprop.Core.Checking;
using Backprop.Core.Experiments;
using Backprop.Core.Kernels;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Cli.Results;

namespace Backprop.Lab.Cli.Commands;

/// <summary>A network shape of the benchmark: <c>depth</c> tanh layers of width x width, a batch of rows.</summary>
internal sealed record BenchShape(string Name, int Depth, int Width, int Batch)
{
    /// <summary>3 products of 2 m n^2 FLOP per layer (forward, weight and input gradient).</summary>
    public double FlopPerStep => 6.0 * Batch * Width * (double)Width * Depth;

    public static IReadOnlyList<BenchShape> Standard { get; } =
    [
        new("small", 10, 64, 32),
        new("medium", 20, 256, 128),
        new("large", 50, 512, 256),
    ];

    public static IReadOnlyList<BenchShape> Quick { get; } =
    [
        new("small", 10, 64, 32),
        new("medium", 4, 128, 64),
    ];
}

/// <summary>One training-step measurement: the fastest round, the median round, and heap bytes per step after warm-up.</summary>
internal sealed record StepFigure(BenchShape Shape, int Threads, double BestMs, double MedianMs, int Steps, double BytesPerStep)
{
    public double GigaflopsPerSecond => Shape.FlopPerStep / (BestMs * 1e6);
}

/// <summary>
/// The gradient-checker figures. For the fast check, <see cref="StepRatio"/> is the check's
/// time over one training step of the same shape: the median over rounds, with its range.
/// </summary>
internal sealed record GradCheckFigure(string Name, int Threads, int Entries, double Seconds, string Verdict,
    double StepRatio = double.NaN, double StepRatioLow = double.NaN, double StepRatioHigh = double.NaN, int Rounds = 1)
{
    public double EntriesPerSecond => Entries / Seconds;
}

/// <summary>
/// A sweep file run round by round, alternately through the in-process executor and through a freshly started
/// embedded silo, both as <c>lab sweep</c> runs them (results folder, run log; no report). Seconds per round, in order;
/// the first embedded round also compiles Orleans' code for this process.
/// </summary>
internal sealed record SweepFigure(string File, int Trials, int Parallelism, IReadOnlyList<double> InProcessSeconds,
    IReadOnlyList<double> EmbeddedSeconds, int Failed, IReadOnlyList<double> InProcessTrialSeconds, IReadOnlyList<double> EmbeddedTrialSeconds,
    IReadOnlyList<SweepMemory> InProcessMemory, IReadOnlyList<SweepMemory> EmbeddedMemory)
{
    /// <summary>Median in-process seconds.</summary>
    public double Seconds => Median(InProcessSeconds);

    public double TrialsPerSecond => Trials / Seconds;

    public double EmbeddedMedianSeconds => Median(EmbeddedSeconds);

    /// <summary>Embedded over in-process seconds of each round (the two ran back to back, under the same load).</summary>
    public IReadOnlyList<double> Ratios => EmbeddedSeconds.Zip(InProcessSeconds, (e, i) => e / i).ToArray();

    /// <summary>
    /// The median ratio of the rounds after the first (NaN with one round): the runner's cost per sweep once this
    /// process has compiled Orleans' code, which the first embedded round also pays (seconds, once per process).
    /// </summary>
    public double WarmMedianRatio => Median(Ratios.Skip(1).ToArray());

    /// <summary>
    /// Seconds of each round in which a worker had no trial, averaged over the workers: the wall time less the trials'
    /// own seconds over the workers. Start-up, hand-outs and the last trial's tail; what the runner itself costs,
    /// apart from any slowing of the trials (which <see cref="TrialRatios"/> shows).
    /// </summary>
    public IReadOnlyList<double> InProcessIdleSeconds => InProcessSeconds.Zip(InProcessTrialSeconds, (w, t) => w - t).ToArray();

    public IReadOnlyList<double> EmbeddedIdleSeconds => EmbeddedSeconds.Zip(EmbeddedTrialSeconds, (w, t) => w - t).ToArray();

    /// <summary>The trials' own seconds on the embedded silo over in process, round by round: 1 if the silo does not slow them.</summary>
    public IReadOnlyList<double> TrialRatios => EmbeddedTrialSeconds.Zip(InProcessTrialSeconds, (e, i) => e / i).ToArray();

    /// <summary>Median over the rounds after the first of the embedded silo's extra idle seconds, as a fraction of the in-process wall time.</summary>
    public double WarmIdleShare => Median(Enumerable.Range(1, Math.Max(0, Ratios.Count - 1))
        .Select(r => (EmbeddedIdleSeconds[r] - InProcessIdleSeconds[r]) / InProcessSeconds[r]).ToArray());

    public double WarmTrialRatio => Median(TrialRatios.Skip(1).ToArray());

    private static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// What one sweep round did to the garbage-collected heap, process-wide (on the embedded silo, Orleans' and the
/// client's allocations too): megabytes allocated, the collections (all generations, and the full ones among them)
/// and the time the runtime was paused for them. Unlike the seconds, these hardly vary from run to run.
/// </summary>
internal sealed record SweepMemory(double AllocatedMegabytes, int Collections, int FullCollections, double PauseMilliseconds)
{
    public static (long Bytes, int Gen0, int Gen2, TimeSpan Pause) Now() =>
        (GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static SweepMemory Since((long Bytes, int Gen0, int Gen2, TimeSpan Pause) start)
    {
        var end = Now();
        return new SweepMemory((end.Bytes - start.Bytes) / 1e6, end.Gen0 - start.Gen0, end.Gen2 - start.Gen2, (end.Pause - start.Pause).TotalMilliseconds);
    }
}

/// <summary>
/// The measurements behind <c>lab bench</c>. Each step figure repeats rounds of at least <c>roundSeconds</c> for
/// <c>budgetSeconds</c> and keeps the fastest round (the least disturbed on a shared machine) and the median.
/// </summary>
internal static class BenchMeasurements
{
    public static StepFigure TrainingStep(BenchShape shape, int threads, double budgetSeconds, double roundSeconds = 0.2)
    {
        var (network, x, y) = Build(shape, seed: 1);
        network.KernelThreads = threads;
        var sgd = new Sgd(1e-3);
        void Step()
        {
            network.ComputeGradients(x, y, shape.Batch, Loss.MeanSquaredError);
            sgd.Step(network);
        }
        // Warm-up long enough for tiered JIT to recompile the hot loops at full optimisation.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed.TotalSeconds < Math.Min(0.5, budgetSeconds); i++)
        {
            Step();
        }
        // Allocation on steps after warm-up, counted on the stepping thread (exact, and blind to whatever else the
        // process runs, such as tests in parallel); the kernel helper threads run only allocation-free kernel code.
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int allocationSteps = 3;
        for (int i = 0; i < allocationSteps; i++)
        {
            Step();
        }
        double bytesPerStep = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)allocationSteps;

        var rounds = new List<double>();
        int steps = 0;
        var budget = Stopwatch.StartNew();
        do
        {
            int n = 0;
            long start = Stopwatch.GetTimestamp();
            double elapsed;
            do
            {
                Step();
                n++;
                elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            while (elapsed < roundSeconds);
            rounds.Add(elapsed * 1000 / n);
            steps += n;
        }
        while (budget.Elapsed.TotalSeconds < budgetSeconds);
        rounds.Sort();
        return new StepFigure(shape, threads, rounds[0], rounds[rounds.Count / 2], steps, bytesPerStep);
    }

    /// <summary>Full check of a depth-4, width-32 network (every entry), on 1 or more threads.</summary>
    public static GradCheckFigure FullCheck(int threads, int width = 32, int batch = 8)
    {
        var shape = new BenchShape("full", 4, width, batch);
        var (network, x, y) = Build(shape, seed: 2);
        var problem = new GradientProblem(network, x, y, batch, Loss.MeanSquaredError);
        int entries = problem.Tensors().Sum(t => problem.Shape(t).Rows * problem.Shape(t).Cols);
        var options = new GradCheckOptions { Threads = threads, Localize = false };
        GradientChecker.Full(problem, options); // warm-up: JIT and buffers
        var clock = Stopwatch.StartNew();
        GradCheckReport report = GradientChecker.Full(problem, options);
        return new GradCheckFigure($"full d4 w{width} b{batch}", threads, entries, clock.Elapsed.TotalSeconds, report.Verdict.ToString());
    }

    /// <summary>
    /// Fast (one-direction) check of a depth-20, width-256, batch-128 network against training steps of the same shape,
    /// measured in the same rounds: each round times three steps and one check, and its ratio is the check over the
    /// median of those three steps, so both sides of the ratio see the same load on a shared machine. Seconds and the
    /// ratio are medians over the rounds; the ratio's range is kept too.
    /// </summary>
    public static GradCheckFigure FastCheck(BenchShape shape, int rounds)
    {
        var (trained, tx, ty) = Build(shape, seed: 1);
        var sgd = new Sgd(1e-3);
        void Step()
        {
            trained.ComputeGradients(tx, ty, shape.Batch, Loss.MeanSquaredError);
            sgd.Step(trained);
        }
        var (network, x, y) = Build(shape, seed: 3);
        var problem = new GradientProblem(network, x, y, shape.Batch, Loss.MeanSquaredError);
        int entries = problem.Tensors().Sum(t => problem.Shape(t).Rows * problem.Shape(t).Cols);
        var options = new GradCheckOptions { Threads = 1 };
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed.TotalSeconds < 0.3; i++)
        {
            Step();
        }
        GradCheckReport report = GradientChecker.Fast(problem, options);
        var seconds = new List<double>();
        var ratios = new List<double>();
        var steps = new double[3];
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < steps.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                Step();
                steps[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            long check = Stopwatch.GetTimestamp();
            report = GradientChecker.Fast(problem, options);
            double elapsed = Stopwatch.GetElapsedTime(check).TotalSeconds;
            Array.Sort(steps);
            seconds.Add(elapsed);
            ratios.Add(elapsed / steps[1]);
        }
        seconds.Sort();
        ratios.Sort();
        return new GradCheckFigure($"fast d{shape.Depth} w{shape.Width} b{shape.Batch}", 1, entries, seconds[rounds / 2], report.Verdict.ToString(),
            ratios[rounds / 2], ratios[0], ratios[^1], rounds);
    }

    /// <summary>
    /// The distributed runner's overhead on a sweep file: each round runs it in process (one trial per core) and on
    /// a new embedded silo (one trial per core), each into its own temporary results folder with its run log, as
    /// <c>lab sweep</c> and <c>lab sweep --in-process</c> do. The embedded time runs from building the silo's host to
    /// the last result on disk; stopping the silo is left out, as <c>lab sweep</c> draws the report meanwhile.
    /// Odd rounds run in process first, even rounds on the silo first, so a machine that speeds up or slows down
    /// during the run (shared machines drift by several percent a minute) favours neither.
    /// </summary>
    public static SweepFigure Sweep(string file, int? limit, int rounds, TextWriter stderr)
    {
        SweepSpec spec = SweepFile.Load(file);
        SweepGrid trials = new SweepGrid(spec).Take(limit ?? long.MaxValue);
        int parallelism = Environment.ProcessorCount;
        var inProcess = new List<double>();
        var embedded = new List<double>();
        var inProcessTrials = new List<double>();
        var embeddedTrials = new List<double>();
        var inProcessMemory = new List<SweepMemory>();
        var embeddedMemory = new List<SweepMemory>();
        int failed = 0;
        string root = Directory.CreateTempSubdirectory("lab-bench-").FullName;
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                foreach (bool onSilo in round % 2 == 1 ? [false, true] : new[] { true, false })
                {
                    stderr.WriteLine($"bench: sweep round {round} of {rounds}, {(onSilo ? "embedded silo" : "in process")}");
                    string folder = Path.Combine(root, $"{(onSilo ? "embedded" : "in-process")}-{round}");
                    (double wall, double trialSeconds, SweepMemory memory) = SweepRound(spec, trials, folder, parallelism, onSilo, ref failed);
                    (onSilo ? embeddedMemory : inProcessMemory).Add(memory);
                    (onSilo ? embedded : inProcess).Add(wall);
                    (onSilo ? embeddedTrials : inProcessTrials).Add(trialSeconds);
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        return new SweepFigure(file, (int)trials.Count, parallelism, inProcess, embedded, failed, inProcessTrials, embeddedTrials, inProcessMemory, embeddedMemory);
    }

    /// <summary>One sweep: its wall seconds, the seconds its trials took over the workers, and its heap figures.</summary>
    private static (double Wall, double Trials, SweepMemory Memory) SweepRound(SweepSpec spec, SweepGrid trials, string folder, int parallelism, bool onSilo, ref int failed)
    {
        ResultsDirectory results = ResultsDirectory.Create(folder, spec.SourceText);
        results.EnsureSweepId(spec.Name);
        var view = new PlainSweepView(TextWriter.Null, SweepAxes.Varying(trials.From().Select(t => t.Config)));
        double seconds;
        SweepMemory memory;
        using (RunLog.Start(results.LogFile))
        {
            var heap = SweepMemory.Now();
            var clock = Stopwatch.StartNew();
            if (onSilo)
            {
                var run = new SweepRun(parallelism, InProcess: false, Cluster: [], new ClusterSettings(), MaxAttempts: 3, ConnectTimeoutSeconds: 60);
                run.Validate();
                try
                {
                    bool complete = run.RunDistributedAsync(trials, results, view, TimeSpan.Zero, CancellationToken.None).GetAwaiter().GetResult();
                    seconds = clock.Elapsed.TotalSeconds;
                    memory = SweepMemory.Since(heap);
                    if (!complete)
                    {
                        throw new InvalidOperationException("the embedded silo's sweep did not complete");
                    }
                }
                finally
                {
                    run.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
            else
            {
                SweepCommand.RunInProcess(trials, [], results, view, parallelism, TimeSpan.Zero, CancellationToken.None).GetAwaiter().GetResult();
                seconds = clock.Elapsed.TotalSeconds;
                memory = SweepMemory.Since(heap);
            }
        }
        IReadOnlyList<TrialResult> saved = results.All();
        if (saved.Count != trials.Count)
        {
            throw new InvalidOperationException($"the sweep saved {saved.Count} of {trials.Count} trials in {folder}");
        }
        failed += saved.Count(r => r.Outcome == Outcome.Failed);
        return (seconds, saved.Sum(r => r.Seconds) / parallelism, memory);
    }

    /// <summary>The micro-kernel this CPU runs.</summary>
    public static string Kernel => Gemm.KernelDescription;

    private static (Mlp Network, double[] X, double[] Y) Build(BenchShape shape, ulong seed)
    {
        Mlp network = Mlp.Uniform(shape.Width, shape.Width, shape.Depth, Activation.Tanh);
        new Initializer(InitializerKind.XavierNormal).Initialize(network, seed);
        var rng = new Rng(seed + 100);
        double[] x = new double[shape.Batch * shape.Width];
        double[] y = new double[shape.Batch * shape.Width];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
            y[i] = rng.NextNormal();
        }
        return (network, x, y);
    }
}
