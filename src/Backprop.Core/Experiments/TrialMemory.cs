using System.Globalization;
using Backprop.Core.Experiments.Data;

namespace Backprop.Core.Experiments;

/// <summary>One part of a trial's memory estimate, and the fields that make it smaller.</summary>
public sealed record MemoryPart(string Name, long Bytes, string Lower);

/// <summary>
/// What <see cref="TrialMemory.Estimate"/> found: the bytes a trial needs at its peak, by part, or the reason it cannot run
/// at all (<see cref="Problem"/>: an array longer than .NET allows, or a size beyond 64 bits; then
/// <see cref="Bytes"/> is <see cref="long.MaxValue"/>).
/// </summary>
public sealed record TrialMemoryEstimate(TrialConfig Config, long Bytes, IReadOnlyList<MemoryPart> Parts, string? Problem)
{
    /// <summary>The part that needs the most.</summary>
    public MemoryPart Largest => Parts.MaxBy(p => p.Bytes) ?? new MemoryPart("nothing", 0, "");

    /// <summary>"trial depth=10000 width=70 batch_size=3000 samples=3000 dataset=gaussian".</summary>
    public string Trial => TrialMemory.Describe(Config);

    /// <summary>"needs about 62.9 GB (the activations and derivatives of a batch: 62.6 GB)".</summary>
    public string Needs => $"needs about {TrialMemory.Format(Bytes)} ({Largest.Name}: {TrialMemory.Format(Largest.Bytes)})";
}

/// <summary>
/// An upper bound on the memory one trial of <see cref="TrialRunner"/> holds at its peak, computed from its configuration
/// alone, before anything is allocated, in checked 64-bit arithmetic. With S examples of d_in inputs and d_out outputs
/// (<see cref="Datasets.Shape"/>), the batch m = min(batch_size, S), layer widths n_0 = d_in, n_1..n_L = width (or widths) and
/// n_(L+1) = d_out when the network has a readout, P = sum_l n_l (n_(l-1) + 1) parameters, R(x) = 16 ceil(x / 16), and
/// C = floor(steps / record_every) + 2 recorded steps, in bytes (8 per double):
/// <list type="bullet">
/// <item>weights, biases and their gradients: 2 P 8;</item>
/// <item>optimizer state: P 8 for momentum, 2 P 8 for Adam, none for SGD;</item>
/// <item>a batch: every layer's z, a, delta and dJ/da, the network's input, input gradient and output gradient, and the
/// mini-batcher's copy of the batch: m (3 d_in + 2 d_out + 4 sum_l n_l) 8;</item>
/// <item>the dataset: S (d_in + d_out) 8 and the batch order, 4 S (the digits, read once per process from CSV, count six
/// times);</item>
/// <item>the teacher network of the teacher dataset (widths d_in, 32, 32, 1, forward in chunks of 256) by the same rules;</item>
/// <item>the packing workspace of the matrix products: the packed panels of n_(l-1) R(n_l) (forward), m R(n_(l-1))
/// (dJ/dW) and n_l R(n_(l-1)) (dJ/dx) doubles, each that grows the workspace counted, and one 8 x 256 tail per part of
/// a product;</item>
/// <item>the orthogonal initialiser's scratch: every layer's weights again;</item>
/// <item>the recorded statistics: C checkpoints of L (+1) layers, each layer's record with its histograms as objects
/// (<see cref="StatisticsObjectBytes"/>) and as JSON in the result line on its way to disk or to the client
/// (<see cref="StatisticsJsonBytes"/>);</item>
/// <item>a fixed <see cref="FixedBytes"/> for the trial's small objects;</item>
/// <item>the runtime's own share: 1% of all the above and <see cref="CollectorBytes"/>.</item>
/// </list>
/// Arrays come from <see cref="Networks.BufferPool.Trials"/> and may be recycled, so the bound holds whether or not a
/// pool has them. The runtime itself (tens of MB before any trial) is not a trial's and is not counted. The Core tests
/// check that the bound is at least what running a trial allocates and at most twice that.
/// </summary>
public static class TrialMemory
{
    /// <summary>
    /// A recorded layer's <see cref="LayerStats"/> (16-byte header, an int padded to 8, 8 doubles, 3 references), its
    /// reference, and its three <see cref="Histogram"/>s (<see cref="HistogramObjectBytes"/> each).
    /// </summary>
    public const long StatisticsObjectBytes = 120 + 3 * HistogramObjectBytes;

    /// <summary>
    /// One <see cref="Histogram"/>: the object (48 bytes) and two count arrays (24-byte header) of
    /// <see cref="HistogramBinsAllowed"/> ints each.
    /// </summary>
    public const long HistogramObjectBytes = 48 + 2 * (24 + 4 * HistogramBinsAllowed);

    /// <summary>
    /// The occupied bins a sign's histogram is allowed: four decades. An allowance, not a bound: a layer's entries
    /// rarely spread wider, and the few bins more of one that does are within the runtime's share.
    /// </summary>
    public const long HistogramBinsAllowed = 16;

    /// <summary>
    /// A recorded layer as JSON: at most about 330 characters (nine names and numbers of up to 24 characters each) and
    /// three histograms of about 100 (their names, and <see cref="HistogramBinsAllowed"/> bins a sign of mostly short
    /// counts), held as the writer's UTF-8 buffer (which grows by doubling: up to 2 bytes a character), the finished
    /// string (2 bytes a character) and one more UTF-8 copy while it is written or sent (up to 2 again): 6 bytes a character.
    /// </summary>
    public const long StatisticsJsonBytes = (330 + 3 * 100) * 6;

    /// <summary>Closures, the key, the theory's per-layer arrays, the result record and the like.</summary>
    public const long FixedBytes = 1L << 20;

    /// <summary>
    /// What the process's working set grows by beyond the objects themselves: the garbage collector's tables (cards,
    /// bricks, mark bits: about 1% of the heap, <see cref="CollectorShare"/>) and the young objects it lets pile up
    /// between collections, plus code compiled for the trial (together a few MB, <see cref="CollectorBytes"/>).
    /// </summary>
    public const long CollectorBytes = 8L << 20;

    /// <summary>The collector's tables as a share of the heap: 1 / this.</summary>
    public const long CollectorShare = 100;

    private const long Double = sizeof(double);

    /// <summary>Estimates <paramref name="config"/>'s peak memory (see the formula above). Never throws for a valid configuration.</summary>
    public static TrialMemoryEstimate Estimate(TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parts = new List<MemoryPart>();
        try
        {
            return Count(config, parts);
        }
        catch (OverflowException)
        {
            return new TrialMemoryEstimate(config, long.MaxValue, parts, "its memory does not even fit in a 64-bit count of bytes");
        }
    }

    private static TrialMemoryEstimate Count(TrialConfig c, List<MemoryPart> parts)
    {
        string? problem = null;
        void Array(string what, long elements)
        {
            if (elements > System.Array.MaxLength && problem is null)
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"{what} would be one array of {elements:N0} values; .NET allows at most {System.Array.MaxLength:N0} in one array");
            }
        }

        if (!Datasets.Names.Contains(c.Dataset))
        {
            return new TrialMemoryEstimate(c, long.MaxValue, parts, $"unknown dataset \"{c.Dataset}\"");
        }
        (int count, int dIn, int dOut) = Datasets.Shape(c.Dataset, c.Samples, c.Width, c.InputDim, c.TopWidth);
        long s = count, m = Math.Min(Math.Max(c.BatchSize, 1), count);
        long[] widths = Widths(dIn, Enumerable.Range(0, c.Depth).Select(l => (long)c.HiddenWidth(l)), TrialRunner.HasReadout(c) ? dOut : null);
        long parameters = 0, units = 0, allWeights = 0;
        for (int l = 1; l < widths.Length; l++)
        {
            long weights = checked(widths[l] * widths[l - 1]);
            Array("a layer's weights", weights);
            Array("a layer's batch buffers (batch_size x width)", checked(m * widths[l]));
            parameters = checked(parameters + weights + widths[l]);
            units = checked(units + widths[l]);
            allWeights = checked(allWeights + weights);
        }
        Array("the dataset's inputs", checked(s * dIn));
        Array("the dataset's targets", checked(s * dOut));

        parts.Add(new("the weights, biases and their gradients", checked(2 * parameters * Double), "depth or width"));
        long optimizerCopies = c.Optimizer switch { "momentum" => 1, "adam" => 2, _ => 0 };
        if (optimizerCopies > 0)
        {
            parts.Add(new($"the {c.Optimizer} optimizer's state", checked(optimizerCopies * parameters * Double), "depth or width (or use sgd)"));
        }
        parts.Add(new("the activations and derivatives of a batch", checked(m * (3L * dIn + 2L * dOut + 4 * units) * Double), "batch_size, depth or width"));
        Networks.Architecture architecture = c.ParsedArchitecture;
        if (architecture.Residual || architecture.Norm != Networks.Normalization.None)
        {
            // A norm keeps zhat (m x width) and 1/s per example, and has 4 vectors a layer; a block keeps its sum, output
            // and the gradient's two shares (m x width each).
            long hidden = widths.Skip(1).Take(c.Depth).Sum();
            long normBytes = architecture.Norm == Networks.Normalization.None ? 0 : checked((m * (hidden + c.Depth) + 6 * hidden) * Double);
            long blockBytes = checked(4L * m * c.Width * architecture.BlockCount(c.Depth) * Double);
            parts.Add(new("the residual blocks' and norms' buffers", checked(normBytes + blockBytes), "batch_size, depth or width"));
        }

        long datasetBytes = checked(s * (dIn + dOut) * Double + 4 * s);
        if (c.Dataset == Datasets.Digits)
        {
            // Read from CSV text: a list, its copy as an array, and the lines and cells parsed, about four times the numbers.
            datasetBytes = checked(6 * datasetBytes);
        }
        parts.Add(new("the dataset", datasetBytes, c.Dataset switch
        {
            Datasets.Teacher => "samples or input_dim",
            Datasets.Gaussian => "samples or width",
            _ => "samples",
        }));
        if (c.Dataset == Datasets.Teacher)
        {
            long[] teacher = Widths(dIn, [Datasets.TeacherWidth, Datasets.TeacherWidth], 1);
            long teacherParameters = 0, teacherUnits = 0;
            for (int l = 1; l < teacher.Length; l++)
            {
                teacherParameters = checked(teacherParameters + teacher[l] * (teacher[l - 1] + 1));
                teacherUnits += teacher[l];
            }
            long chunk = Math.Min(Datasets.TeacherChunk, s);
            parts.Add(new("the teacher network", checked((2 * teacherParameters + chunk * (2L * dIn + 1 + 4 * teacherUnits)) * Double
                + Workspace(teacher, chunk, forwardOnly: true)), "input_dim"));
        }
        parts.Add(new("the matrix products' packing workspace", Workspace(widths, m, forwardOnly: false), "width or batch_size"));
        if (c.Depth >= 2 && JacobianProbe.MethodFor(c) is JacobianMethod method)
        {
            // Each of the two measurements: the network's buffers at k = min(batch_size, n) rows (allocated before the
            // training's), k copies of an input and k basis or probe rows; for the exact spectrum J (n x n_1), J J^T, a
            // copy of it for the eigensolver's workspace and the singular values; for the estimate the k x k Gram matrix.
            // n is the top hidden layer's width, n_1 the stem's.
            long n = c.TopWidth, n1 = c.Width, k = Math.Min(Math.Max(c.BatchSize, 1), n), inputs = JacobianProbe.TrialInputs;
            long pass = checked(k * (3L * dIn + 2L * dOut + 4 * units) + k * (dIn + n)
                + (method == JacobianMethod.Exact ? n * n1 + 2 * n * n + 3 * inputs * n : k * k + k));
            parts.Add(new("the Jacobian spectrum's passes", checked(2 * pass * Double), "width (or set \"jacobian\" to \"estimate\" or \"off\")"));
        }
        if (c.Init == "orthogonal")
        {
            // Each layer's scratch is garbage once the layer is filled, but large arrays wait for a full collection.
            parts.Add(new("the orthogonal initialiser's scratch", checked(allWeights * Double + widths.Sum() * 32), "width"));
        }
        long recorded = checked((long)(c.Steps / Math.Max(c.RecordEvery, 1)) + 2);
        long layers = widths.Length - 1;
        parts.Add(new("the recorded statistics", checked(recorded * (96 + layers * (StatisticsObjectBytes + StatisticsJsonBytes)) + 5 * layers * Double),
            "steps or depth, or raise record_every"));
        parts.Add(new("the trial's small objects", FixedBytes, ""));
        long objects = 0;
        foreach (MemoryPart part in parts)
        {
            objects = checked(objects + part.Bytes);
        }
        parts.Add(new("the runtime's own share", checked(objects / CollectorShare + CollectorBytes), ""));
        long total = checked(objects + parts[^1].Bytes);
        return problem is null ? new TrialMemoryEstimate(c, total, parts, null) : new TrialMemoryEstimate(c, long.MaxValue, parts, problem);
    }

    /// <summary>n_0 = d_in, then the hidden widths, then the readout's width when there is one.</summary>
    private static long[] Widths(long dIn, IEnumerable<long> hidden, long? readout)
    {
        var widths = new List<long> { dIn };
        widths.AddRange(hidden);
        if (readout is long r)
        {
            widths.Add(r);
        }
        return widths.ToArray();
    }

    /// <summary>
    /// The packed-B buffers a fresh workspace allocates (see <see cref="Kernels.GemmWorkspace"/>: k x R(n) for an inner size
    /// k and n columns, replaced by a larger one whenever a product needs more), in the order the products run: forward
    /// through the layers, then backward dJ/dW (k = m) and dJ/dx (k = n_l) from the last layer down; the replaced ones
    /// count too, since large arrays wait for a full collection. Plus one 8 x 256 tail per part of a product, up to 4
    /// parts per processor.
    /// </summary>
    private static long Workspace(long[] widths, long m, bool forwardOnly)
    {
        long current = 0, allocated = 0;
        void Product(long k, long n)
        {
            long packed = checked(Math.Max(k, 1) * Round16(n));
            if (packed > current)
            {
                current = packed;
                allocated = checked(allocated + packed);
            }
        }
        for (int l = 1; l < widths.Length; l++)
        {
            Product(widths[l - 1], widths[l]);
        }
        for (int l = widths.Length - 1; l >= 1 && !forwardOnly; l--)
        {
            Product(m, widths[l - 1]);
            Product(widths[l], widths[l - 1]);
        }
        long tails = 4L * Environment.ProcessorCount * 8 * 256;
        return checked((allocated + tails) * Double);
    }

    private static long Round16(long x) => checked((x + 15) / 16 * 16);

    /// <summary>
    /// The error of a trial that ran out of memory all the same (other programs took the machine's memory, or the
    /// estimate fell short): what it was estimated to need and what to do, in place of the runtime's message.
    /// </summary>
    public static string OutOfMemory(TrialConfig config)
    {
        TrialMemoryEstimate estimate = Estimate(config);
        string lower = estimate.Largest.Lower.Length > 0 ? $"lower {estimate.Largest.Lower}, " : "";
        return $"out of memory: {estimate.Trial} {estimate.Needs} and this process could not allocate more; {lower}run fewer trials at once, or free memory on this machine";
    }

    /// <summary>The fields that size a trial: "trial depth=10000 width=70 batch_size=3000 samples=3000 dataset=gaussian".</summary>
    public static string Describe(TrialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return string.Create(CultureInfo.InvariantCulture,
            $"trial depth={config.Depth} {(config.Widths is null ? $"width={config.Width}" : $"widths={string.Join('-', config.Widths)}")} batch_size={config.BatchSize} samples={config.Samples}" +
            $"{(config.Dataset == Datasets.Teacher ? $" input_dim={config.InputDim}" : "")} dataset={config.Dataset}");
    }

    /// <summary>Bytes for people: "512 KB", "6.4 MB", "11.7 GB" (powers of 1024, as --memory-budget reads them).</summary>
    public static string Format(long bytes) => bytes switch
    {
        long.MaxValue => "more than 8 EB",
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 40):0.0} TB"),
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(bytes + 1023) / 1024} KB"),
    };
}
