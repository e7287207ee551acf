using System.Text;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// --max-output and formulas read from a file or standard input, through real <c>lab</c> processes under a heap ceiling
/// (a regression that builds what it should refuse runs out of memory instead of taking the machine's).
/// </summary>
public sealed class BoundedOutputTests : TempDirectory
{
    /// <summary>256 MB of heap: many times what these runs need, far below what an unbounded explanation takes.</summary>
    private static readonly Dictionary<string, string> Ceiling = new() { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

    /// <summary>a1 = x*x; a2 = a1*x; ...: n paths from the output to x, of 1 to n steps (n(n+1)/2 steps in all).</summary>
    private static string Chain(int n) =>
        string.Join("; ", Enumerable.Range(1, n).Select(i => i == 1 ? "a1 = x*x" : $"a{i} = a{i - 1}*x"));

    [Fact]
    [Trait("Category", "Slow")]
    public void A_listing_longer_than_max_output_can_print_is_counted_not_built()
    {
        // 48 KB of program, 3000 paths of 4.5 million steps: listed in full it is 77 MB of text and 650 MB of memory.
        string formula = Write("chain.txt", Chain(3000));
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "explain", "--file", formula, "--at", "x=1", "--max-paths", "100000");
        Assert.True(exit == 0, stderr);
        Assert.Contains("too many to list (4504500 steps in all, more than --max-output can print)", stdout, StringComparison.Ordinal);
        Assert.True(stdout.Length < 8 << 20, $"printed {stdout.Length} characters");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Output_past_max_output_is_cut_with_one_line_naming_the_option_and_exit_7()
    {
        // 401 paths of 80,600 steps: within the step bound of --max-output 1M, 1.4 MB of text.
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "explain", Chain(400), "--at", "x=1", "--max-paths", "1000", "--max-output", "1M");
        Assert.Equal(7, exit);
        Assert.True(Encoding.UTF8.GetByteCount(stdout) <= (1 << 20) + 1, $"printed {stdout.Length} characters");
        Assert.EndsWith("\n", stdout, StringComparison.Ordinal);
        Assert.Equal("error: output cut after 1M (the limit of --max-output); give --max-output with a larger size, or --max-output none, to print all of it\n", stderr);

        var (all, everything, quiet) = LabChildProcess.Run(Ceiling, Path, "explain", Chain(400), "--at", "x=1", "--max-paths", "1000", "--max-output", "none");
        Assert.True(all == 0, quiet);
        Assert.StartsWith(stdout.TrimEnd('\n'), everything, StringComparison.Ordinal);
        Assert.True(everything.Length > stdout.Length);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Grad_text_on_a_large_batch_stops_at_the_default_limit()
    {
        string batch = Write("batch.json", BatchJson(400_000));
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "grad", LabRunner.Example("linear-2-2-1.json"), "--data", batch);
        Assert.Equal(7, exit);
        Assert.InRange(Encoding.UTF8.GetByteCount(stdout), (8 << 20) - 200, (8 << 20) + 1);
        Assert.Contains("output cut after 8M (the limit of --max-output)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_formula_is_read_from_standard_input_or_a_file_as_from_the_argument()
    {
        const string formula = "z = (3*x + 4*y)^3";
        var (exit, expected, _) = LabChildProcess.Run(Ceiling, Path, "explain", formula, "--at", "x=1,y=2");
        Assert.Equal(0, exit);
        Assert.Contains("dz/dx", expected, StringComparison.Ordinal);
        var (fromStdin, viaStdin, stdinError) = LabChildProcess.RunWithInput(Ceiling, Path, formula + "\n", "explain", "-", "--at", "x=1,y=2");
        Assert.True(fromStdin == 0, stdinError);
        Assert.Equal(expected, viaStdin);
        var (fromFile, viaFile, fileError) = LabChildProcess.Run(Ceiling, Path, "explain", "--file", Write("f.txt", formula), "--at", "x=1,y=2");
        Assert.True(fromFile == 0, fileError);
        Assert.Equal(expected, viaFile);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_program_longer_than_a_command_line_argument_is_explained_from_a_file()
    {
        // 10,000 statements, some 160 KB: more than Linux passes as one argument (128 KB).
        string text = Chain(10_000);
        Assert.True(text.Length > 128 * 1024);
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "explain", "--file", Write("long.txt", text), "--at", "x=1", "--wrt", "x");
        Assert.True(exit == 0, stderr);
        Assert.Contains("da10000/dx: 10001 paths from a10000 to x", stdout, StringComparison.Ordinal);
    }

    /// <summary>XOR rows for the worked example's 2-2-1 network, from a fixed seed.</summary>
    internal static string BatchJson(int examples)
    {
        var random = new Random(1);
        var rows = Enumerable.Range(0, examples).Select(_ => (A: random.Next(2), B: random.Next(2))).ToArray();
        var b = new StringBuilder("{\"inputs\":[");
        b.AppendJoin(',', rows.Select(r => $"[{r.A},{r.B}]")).Append("],\"targets\":[");
        b.AppendJoin(',', rows.Select(r => $"[{r.A ^ r.B}]")).Append("]}\n");
        return b.ToString();
    }
}
