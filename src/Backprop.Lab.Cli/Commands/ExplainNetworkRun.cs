using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab explain --net NET_FILE [--data BATCH_FILE] --wrt x2</c>: loads the network and one example, explains
/// each asked-for derivative as a sum over paths (or a summary of them), and writes text or markdown.
/// </summary>
internal static class ExplainNetworkRun
{
    public static void Run(TextWriter o, FileInfo netFile, FileInfo? dataFile, int example, IReadOnlyDictionary<string, double> at,
        IReadOnlyList<string> wrt, int limit, bool markdown, ExplainGraphviz graphFiles)
    {
        var definition = NetworkDefinition.Load(netFile.FullName);
        Mlp network = definition.Build();
        if (wrt.Count == 0)
        {
            throw new UserInputException("with --net, say which derivative to explain: --wrt x2, --wrt w12[1] (w_jk^[l]) or --wrt b1[2] (b_j^[l])");
        }

        var (x, y, described) = Example(definition, network, dataFile, example, at);
        var sums = wrt.Select(name => ExplainCommand.Explain(() =>
            NetworkPathSum.Create(network, definition.Loss, x, y, NetworkParameter.Parse(name, network), limit))).ToList();
        // Drawn before anything is printed, so a network too large to draw fails with nothing half-written.
        string? drawing = graphFiles.Requested ? ExplainCommand.Explain(() => sums[0].Dot()) : null;
        string shape = GradientChecker.ShapeText(network) + GradientChecker.BlocksText(network);
        string header = $"network {network.InputSize} inputs -> {shape}, {(y is null ? "no loss: the output y_hat (unit 1) is differentiated" : $"loss {definition.Loss}")}";
        if (markdown)
        {
            ExplainMarkdown.WriteNetwork(o, header, described, sums);
        }
        else
        {
            o.WriteLine(header);
            o.WriteLine(described);
            if (sums[0].Loss is { } j)
            {
                o.WriteLine($"L = {Format.Number(j)}" + (definition.Loss.Name == "mse" ? "   (L = (y - y_hat)^2 for this example, as in the worked example)" : ""));
            }
            // The unit-by-unit steps are written for plain networks; a residual network's skips show in its paths.
            if (network.Blocks.Count == 0 && network.Layers.Sum(l => l.InputSize * l.OutputSize) <= NetworkBackward.MaxWeights)
            {
                o.WriteLine();
                WriteBackward(o, sums[0]);
            }
            foreach (var sum in sums)
            {
                o.WriteLine();
                WriteText(o, sum);
            }
        }

        graphFiles.Write(o, () => drawing!);
    }

    private static (double[] X, double[]? Y, string Described) Example(NetworkDefinition definition, Mlp network, FileInfo? dataFile, int example, IReadOnlyDictionary<string, double> at)
    {
        if (dataFile is null)
        {
            var x = new double[network.InputSize];
            foreach (var (name, value) in at)
            {
                var p = ExplainCommand.Explain(() => NetworkParameter.Parse(name, network));
                x[p.Kind == ParameterKind.Input ? p.Unit - 1 : throw new UserInputException($"--at sets inputs only (x1=..); {name} is not an input")] = value;
            }
            return (x, null, $"input  x = ({string.Join(", ", x.Select(Format.Number))}) from --at (inputs not given are 0)");
        }

        if (at.Count > 0)
        {
            throw new UserInputException("--at and --data both give the input; use one");
        }

        var batch = Batch.Load(dataFile.FullName, definition);
        if (example < 1 || example > batch.Count)
        {
            throw new UserInputException($"--example must be between 1 and {batch.Count} (the batch has {batch.Count} example{(batch.Count == 1 ? "" : "s")}), got {example}");
        }

        var xs = batch.Inputs.AsSpan((example - 1) * batch.InputSize, batch.InputSize).ToArray();
        var ys = batch.Targets.AsSpan((example - 1) * batch.TargetSize, batch.TargetSize).ToArray();
        return (xs, ys, $"example {example} of {batch.Count}: x = ({string.Join(", ", xs.Select(Format.Number))}), y = ({string.Join(", ", ys.Select(Format.Number))})");
    }

    /// <summary>The backward pass unit by unit, one line per step, as the explain page steps through it.</summary>
    private static void WriteBackward(TextWriter o, NetworkPathSum s)
    {
        string f = s.Output;
        o.WriteLine($"backward pass, output first: d{f}/dz = d{f}/da x phi'(z), d{f}/dw_jk = d{f}/dz_j x a_k, d{f}/da_k of the layer below = sum over j of d{f}/dz_j x w_jk");
        foreach (var step in s.Backward())
        {
            o.WriteLine($"   {step.Line}");
        }
    }

    private static void WriteText(TextWriter o, NetworkPathSum s)
    {
        string d = $"d{s.Output}/d{s.Wrt.Text}";
        o.WriteLine($"{d}: a sum over {ExplainExpressionText.Plural(s.PathCount, "path")} from {s.Wrt.Text} up to {s.Output}, each a product of weights w_jk^[l] (and phi'(z) for nonlinear units)");
        if (s.Residual)
        {
            o.WriteLine("   a path may jump a residual block along its skip (factor 1, or phi'(u) after a post-form sum u); through a block's branch it carries alpha; h_k^[l] is a block's output");
        }
        if (s.Paths is not null)
        {
            int i = 1;
            foreach (var path in s.Paths)
            {
                o.WriteLine($"   path {i++}: {string.Join(" ", path.Factors.Select(f => f.Symbol.Text).Where(t => t != "1"))}");
                o.WriteLine($"           {string.Join(" x ", path.Factors.Select(f => Format.Number(f.Value)))} = {Format.Number(path.Product)}");
            }
            o.WriteLine($"   {d} = {s.Symbolic()!.Text}");
            o.WriteLine($"   {new string(' ', d.Length)} = {Format.Number(s.Value)}");
            o.WriteLine($"   backprop (dense engine): {Format.Number(s.Backprop)}   path sum - backprop = {Format.Number(s.Value - s.Backprop)}");
            return;
        }

        o.WriteLine($"   too many to list (--max-paths); the partial products p of phi'(z) w factors from {s.Wrt.Text} up to each layer:");
        var spread = s.Spread!;
        o.WriteLine($"   {"layer",5}  {"paths",12}  {"rms |p|",12}  {"median |p|",12}  {"10%..90% of |p|",23}  {"p = 0",6}  {"sum p^2 x",10}");
        var growth = spread.Growth;
        for (int i = 0; i < spread.Depths.Count; i++)
        {
            var row = spread.Depths[i];
            string range = $"{Pow10(row.Log10P10)}..{Pow10(row.Log10P90)}";
            o.WriteLine($"   {row.Layer,5}  {Format.Number(row.Paths),12}  {Format.Number(row.Rms),12}  {Pow10(row.Log10P50),12}  {range,23}  {row.ZeroFraction,6:P0}  {Format.Number(growth[i]),10}");
        }
        o.WriteLine($"   (percentiles from {spread.Samples} random paths, fixed seed; rms and sum p^2 are exact)");
        foreach (string line in Interpret(spread))
        {
            o.WriteLine($"   {line}");
        }
        o.WriteLine($"   backprop (dense engine): {d} = {Format.Number(s.Backprop)}");
    }

    /// <summary>What the spread means for vanishing and exploding gradients, in words (shared with markdown).</summary>
    internal static IEnumerable<string> Interpret(PathSpread spread)
    {
        int layers = spread.Depths.Count;
        double chi = spread.MeanGrowth;
        double total = spread.Depths[^1].SumOfSquares;
        yield return $"Each layer multiplies every path by one factor phi'(z) w; with w ~ N(0, sigma_w^2/n) a factor is about sigma_w/sqrt(n), so one path";
        yield return $"shrinks geometrically, but the number of paths grows by n per layer. Their sum, of mixed signs, has size about sqrt(sum p^2),";
        yield return $"and sum p^2 grows by chi ~ sigma_w^2 E[phi'^2] per layer (the mean-field chi_1): here chi = {Format.Number(chi)} on average over {layers} layer{(layers == 1 ? "" : "s")},";
        yield return $"so sqrt(sum p^2) = {Format.Number(Math.Sqrt(total))} = chi^({layers}/2).";
        yield return chi < 0.9 ? "chi < 1: gradients VANISH with depth; the layers far from the loss barely learn."
            : chi > 1.1 ? "chi > 1: gradients EXPLODE with depth; the layers far from the loss get huge steps."
            : "chi is close to 1 (the critical line): gradients keep their size through depth.";
    }

    internal static string Pow10(double log10) => double.IsNegativeInfinity(log10) ? "0" : Format.Number(Math.Pow(10, log10));
}
