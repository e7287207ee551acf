using System.Diagnostics;
using System.Text.RegularExpressions;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

public class DotGraphTests
{
    [Fact]
    public void Expression_graph_is_valid_dot_with_both_views_and_local_derivatives_on_backward_edges()
    {
        var e = ExpressionExplanation.Create("z = (3*x + 4*y)^3 + log(x)", new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 }, []);
        string dot = ExpressionGraph.Dot(e);
        DotChecker.Check(dot);
        Assert.Contains("forward: values", dot);
        Assert.Contains("backward: gradients", dot);
        Assert.Contains("\"du4/du3 = 363\"", dot);
        Assert.Contains("grad dz/dx = 1090", dot);
        DotChecker.RenderIfGraphvizIsInstalled(dot);
    }

    [Fact]
    public void Program_graph_is_valid_dot_with_its_named_statements()
    {
        var e = ExpressionExplanation.Create("a = x*y; c = max(a, x)^y + sqrt(abs(a)) * pi", new Dictionary<string, double> { ["x"] = 2, ["y"] = 3 }, []);
        string dot = ExpressionGraph.Dot(e);
        DotChecker.Check(dot);
        Assert.StartsWith("digraph \"a = x * y; c = max(a, x)^y + sqrt(abs(a)) * pi\"", dot);
        Assert.Contains("[label=\"a = x * y\\nop *   data 6\"]", dot);
        Assert.Contains("grad dc/da = 108.64127", dot);
        DotChecker.RenderIfGraphvizIsInstalled(dot);
    }

    [Fact]
    public void Network_graph_is_valid_dot_with_weights_forward_and_gradients_backward()
    {
        var (network, x, y) = WorkedExampleTests.WorkedExampleNetwork();
        var sum = NetworkPathSum.Create(network, Backprop.Core.Networks.Loss.MeanSquaredError, x, y, NetworkParameter.Parse("x2", network), 64);
        string dot = sum.Dot();
        DotChecker.Check(dot);
        Assert.Contains("\"w12[1] = -0.25\"", dot);
        Assert.Contains("dL/dx2 = 30.875", dot);
        DotChecker.RenderIfGraphvizIsInstalled(dot);
    }

    [Fact]
    public void Labels_with_quotes_backslashes_and_newlines_are_escaped()
    {
        string dot = DotGraph.Write("a \"b\" \\ c", new DotView("v", [new DotNode("n\"1", "line1\nline \"2\" \\")], []));
        DotChecker.Check(dot);
        Assert.Contains("\"line1\\nline \\\"2\\\" \\\\\"", dot);
    }

    [Fact]
    public void Checker_rejects_broken_dot()
    {
        Assert.ThrowsAny<Exception>(() => DotChecker.Check("digraph g { \"a\" -> \"b\" "));
        Assert.ThrowsAny<Exception>(() => DotChecker.Check("digraph g { \"a\" [label=\"x]; }"));
        Assert.ThrowsAny<Exception>(() => DotChecker.Check("digraph g { \"a\" -> \"b\"; }"));
    }
}

/// <summary>
/// A small independent reader for the DOT subset the graphs use: quoted ids and labels, balanced braces,
/// every statement ended, and every edge between declared nodes. When Graphviz is installed (CI installs
/// it), the DOT is also rendered by the real `dot`.
/// </summary>
internal static partial class DotChecker
{
    public static void Check(string dot)
    {
        Assert.StartsWith("digraph \"", dot);
        var tokens = Tokens().Matches(dot).Select(m => m.Value).ToList();
        Assert.Equal(dot.Length, Tokens().Matches(dot).Sum(m => m.Length) + Whitespace(dot));
        int depth = 0;
        var declared = new HashSet<string>(StringComparer.Ordinal);
        var edges = new List<(string, string)>();
        for (int i = 0; i < tokens.Count; i++)
        {
            string t = tokens[i];
            if (t == "{")
            {
                depth++;
            }
            else if (t == "}")
            {
                Assert.True(--depth >= 0, "unbalanced }");
            }
            else if (t == "->")
            {
                edges.Add((tokens[i - 1], tokens[i + 1]));
            }
            else if (t.StartsWith('"') && i + 1 < tokens.Count && tokens[i + 1] == "[" && tokens[i - 1] != "->")
            {
                declared.Add(t);
            }
        }

        Assert.Equal(0, depth);
        Assert.NotEmpty(declared);
        foreach (var (from, to) in edges)
        {
            Assert.True(declared.Contains(from) && declared.Contains(to), $"edge {from} -> {to} uses an undeclared node");
        }
    }

    public static void RenderIfGraphvizIsInstalled(string dot)
    {
        string? exe = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "dot")).FirstOrDefault(File.Exists);
        if (exe is null)
        {
            return; // the parse above is the check; CI installs graphviz and renders for real
        }

        var info = new ProcessStartInfo(exe, ["-Tsvg"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(dot);
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && errors.Result.Length == 0, $"dot failed: {errors.Result}");
        Assert.Contains("<svg", output.Result);
    }

    private static int Whitespace(string s) => s.Count(char.IsWhiteSpace) - Tokens().Matches(s).Sum(m => m.Value.Count(char.IsWhiteSpace));

    // Quoted strings (with escapes), the arrow, punctuation, and bare words; anything else makes the lengths differ.
    [GeneratedRegex("\"(?:[^\"\\\\\\n]|\\\\.)*\"|->|[{}\\[\\];=,]|[A-Za-z_][A-Za-z0-9_]*|[0-9.]+")]
    private static partial Regex Tokens();
}
