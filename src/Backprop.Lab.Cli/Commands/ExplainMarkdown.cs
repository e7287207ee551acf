using Backprop.Core.Teaching;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The explanation as Markdown with LaTeX math ($...$ inline, $$...$$ display), the same five steps as the
/// text form, for a student to paste into notes that render math (GitHub, Jupyter, Obsidian, pandoc).
/// </summary>
internal static class ExplainMarkdown
{
    public static void Write(TextWriter o, ExpressionExplanation e, IReadOnlyDictionary<string, double> at)
    {
        string f = NodeNotation.LatexName(e.OutputName);
        string point = string.Join(", ", at.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{NodeNotation.LatexName(kv.Key)} = {Format.Number(kv.Value)}"));
        o.WriteLine($"## Backpropagation through ${f} = {e.NodeOf(e.Output).Formula.Latex}${(point.Length == 0 ? "" : $" at ${point}$")}");
        o.WriteLine();
        var named = e.Nodes.Where(n => n.Named && !ReferenceEquals(n.Node, e.Output)).ToList();
        if (named.Count > 0)
        {
            o.WriteLine($"where {Definitions(named)}.");
            o.WriteLine();
        }
        o.WriteLine("### 1. Forward pass");
        o.WriteLine();
        o.WriteLine("| node | definition | formula | value |");
        o.WriteLine("|---|---|---|---|");
        foreach (var n in e.Nodes.Where(n => n.Kind != NodeKind.Constant))
        {
            string name = NodeNotation.LatexName(n.Name);
            string definition = n.Kind == NodeKind.Variable ? "input" : $"${name} = {n.Definition.Latex}$";
            o.WriteLine($"| ${name}$ | {definition} | ${n.Formula.Latex}$ | {Format.Number(n.Data)} |");
        }
        o.WriteLine();
        o.WriteLine($"### 2. Backward pass");
        o.WriteLine();
        o.WriteLine($"Each node's gradient is the gradient of the node that uses it (its parent) times the local derivative: ${D(f, "\\text{node}")} = {D(f, "\\text{parent}")} \\times {D("\\text{parent}", "\\text{node}")}$.");
        o.WriteLine();
        foreach (var step in e.Backward)
        {
            string node = NodeNotation.LatexName(step.Node.Name);
            if (step.Contributions.Count == 0)
            {
                o.WriteLine($"$${D(f, node)} = 1$$");
                continue;
            }

            string chain = string.Join(" + ", step.Contributions.Select(c => $"{D(f, NodeNotation.LatexName(c.Consumer.Name))} \\, {D(NodeNotation.LatexName(c.Consumer.Name), node)}"));
            string symbolic = string.Join(" + ", step.Contributions.Select(c => $"{Num(c.Consumer.Grad)} \\cdot {c.Local.Write().AtLeast(Binding.Product).Latex}"));
            string numbers = string.Join(" + ", step.Contributions.Select(c => $"{Num(c.Consumer.Grad)} \\times {Num(c.LocalValue)}"));
            string withSymbols = step.Contributions.Any(c => c.Local.Factors.Count > 0) ? $" = {symbolic}" : "";
            o.WriteLine($"$${D(f, node)} = {chain}{withSymbols} = {numbers} = {Num(step.Node.Grad)}$$");
            foreach (var c in step.Contributions.Where(c => c.Kink is not null))
            {
                o.WriteLine($"(${NodeNotation.LatexName(c.Consumer.Name)}$ is at the kink of {c.Consumer.Node.Op}: {c.Kink}.)");
            }
        }
        o.WriteLine();
        o.WriteLine("### 3. Where paths meet, the contributions add");
        o.WriteLine();
        var meets = e.Backward.Where(s => s.Contributions.Count > 1).ToList();
        if (meets.Count == 0)
        {
            o.WriteLine("No node is used twice: every node has one path to the output.");
        }
        foreach (var step in meets)
        {
            o.WriteLine($"- ${D(f, NodeNotation.LatexName(step.Node.Name))} = {string.Join(" + ", step.Contributions.Select(c => Num(c.Value)))} = {Num(step.Node.Grad)}$ ({step.Contributions.Count} uses)");
        }
        o.WriteLine();
        o.WriteLine("### 4. Gradients of the inputs");
        o.WriteLine();
        foreach (var sum in e.PathSums)
        {
            o.WriteLine($"- ${D(f, NodeNotation.LatexName(sum.Input.Name))} = {Num(sum.Input.Grad)}$");
        }
        o.WriteLine();
        o.WriteLine("### 5. Each gradient as a sum over paths of products of local derivatives");
        o.WriteLine();
        foreach (var sum in e.PathSums)
        {
            string d = D(f, NodeNotation.LatexName(sum.Input.Name));
            if (sum.Paths is null)
            {
                o.WriteLine($"${d}$: {Format.Number(sum.PathCount)} paths{(sum.Steps is double steps ? $" of {Format.Number(steps)} steps in all" : "")}, too many to list; backprop adds them where they meet: ${d} = {Num(sum.Input.Grad)}$.");
                o.WriteLine();
                continue;
            }

            string raw = string.Join(" + ", sum.Paths.Select(p => string.Join(" \\times ", p.Locals.Select(t => t.Write().AtLeast(Binding.Product).Latex))));
            o.WriteLine($"$${d} = {raw} = {sum.Symbolic!.Latex} = {Num(sum.Value)}$$");
            o.WriteLine();
            if (sum.Where.Count > 0)
            {
                o.WriteLine($"where {Definitions(sum.Where)}.");
                o.WriteLine();
            }
        }
    }

    public static void WriteNetwork(TextWriter o, string header, string example, IReadOnlyList<NetworkPathSum> sums)
    {
        o.WriteLine("## Backpropagation through a network");
        o.WriteLine();
        o.WriteLine($"{header}; {example}. Weights $w_{{jk}}^{{[l]}}$ go into unit $j$ of layer $l$ from unit $k$ of layer $l-1$.");
        o.WriteLine();
        foreach (var s in sums)
        {
            string d = D(s.Output == "L" ? "L" : "\\hat{y}", s.Wrt.Latex);
            if (s.Paths is not null)
            {
                o.WriteLine($"$${d} = {s.Symbolic()!.Latex} = {Num(s.Value)}$$");
                o.WriteLine();
                o.WriteLine($"a sum over {ExplainExpressionText.Plural(s.PathCount, "path")}; backprop (dense engine) gives {Format.Number(s.Backprop)}.");
                o.WriteLine();
                continue;
            }

            var spread = s.Spread!;
            o.WriteLine($"${d} = {Num(s.Backprop)}$ is a sum over {Format.Number(s.PathCount)} paths, too many to list. Partial path products $p$ by layer:");
            o.WriteLine();
            o.WriteLine("| layer | paths | rms $\\lvert p\\rvert$ | median $\\lvert p\\rvert$ | $\\sum p^2$ growth |");
            o.WriteLine("|---|---|---|---|---|");
            var growth = spread.Growth;
            for (int i = 0; i < spread.Depths.Count; i++)
            {
                var row = spread.Depths[i];
                o.WriteLine($"| {row.Layer} | {Format.Number(row.Paths)} | {Format.Number(row.Rms)} | {ExplainNetworkRun.Pow10(row.Log10P50)} | {Format.Number(growth[i])} |");
            }
            o.WriteLine();
            o.WriteLine(string.Join(" ", ExplainNetworkRun.Interpret(spread)));
            o.WriteLine();
        }
    }

    private static string D(string of, string by) => $"\\frac{{\\partial {of}}}{{\\partial {by}}}";

    private static string Definitions(IEnumerable<ExplainedNode> nodes) =>
        string.Join(", ", nodes.Select(n => $"${NodeNotation.LatexName(n.Name)} = {n.Formula.Latex}$"));

    // 1E-05 as 1 \times 10^{-05}; negatives in parentheses, since they stand in products: 3 \times (-1).
    private static string Num(double x)
    {
        string s = Format.Number(x);
        int e = s.IndexOf('E', StringComparison.Ordinal);
        s = e < 0 ? s : $"{s[..e]} \\times 10^{{{s[(e + 1)..]}}}";
        return x < 0 ? $"\\left({s}\\right)" : s;
    }
}
