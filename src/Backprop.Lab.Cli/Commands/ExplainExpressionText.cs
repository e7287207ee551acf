using Backprop.Core.Teaching;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// Writes an <see cref="ExpressionExplanation"/> as plain text in five steps: forward values,
/// the backward pass in the worked example's form d(out)/d(node) = d(out)/d(parent) x d(parent)/d(node), the sums where
/// paths meet, the input gradients, and each gradient as a sum over paths.
/// </summary>
internal static class ExplainExpressionText
{
    public static void Write(TextWriter o, ExpressionExplanation e, IReadOnlyDictionary<string, double> at)
    {
        string f = e.OutputName;
        string point = at.Count == 0 ? "" : "   at " + string.Join(", ", at.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} = {Format.Number(kv.Value)}"));
        o.WriteLine($"{e.Program}{point}");
        o.WriteLine();

        o.WriteLine("1. forward pass: every node of the graph, inputs first");
        var ops = e.Nodes.Where(n => n.Kind != NodeKind.Constant).ToList();
        if (ops.Count == 0)
        {
            o.WriteLine($"   {f} = {Format.Number(e.Output.Data)}   (a constant: no inputs, no operations)");
        }
        int nameWidth = ops.Select(n => n.Name.Length).DefaultIfEmpty().Max();
        int defWidth = ops.Select(n => n.Definition.Text.Length).DefaultIfEmpty().Max();
        foreach (var n in ops)
        {
            string full = n.Kind == NodeKind.Operation && n.Formula.Text != n.Definition.Text ? $"   ({n.Formula.Text})" : "";
            string definition = n.Kind == NodeKind.Variable ? "" : $"{n.Definition.Text.PadRight(defWidth)} = ";
            o.WriteLine($"   {n.Name.PadRight(nameWidth)} = {definition}{Format.Number(n.Data)}{full}");
        }
        o.WriteLine();

        o.WriteLine($"2. backward pass: d{f}/d(node) = d{f}/d(parent) x d(parent)/d(node), where the parent is the node that uses it");
        if (e.Backward.Count == 0)
        {
            o.WriteLine($"   nothing to pass back: {f} is a constant");
        }
        int lhsWidth = e.Backward.Select(s => Derivative(f, s.Node.Name).Length).DefaultIfEmpty().Max();
        foreach (var step in e.Backward)
        {
            WriteStep(o, f, step, lhsWidth);
        }
        o.WriteLine();

        var meets = e.Backward.Where(s => s.Contributions.Count > 1).ToList();
        o.WriteLine("3. where paths meet, the contributions add");
        if (meets.Count == 0)
        {
            o.WriteLine("   no node is used twice: every node has exactly one path to the output");
        }
        foreach (var step in meets)
        {
            string terms = string.Join(" + ", step.Contributions.Select(c => Format.Number(c.Value)));
            o.WriteLine($"   {Derivative(f, step.Node.Name)} = {terms} = {Format.Number(step.Node.Grad)}   ({step.Contributions.Count} uses of {step.Node.Name})");
        }
        o.WriteLine();

        o.WriteLine("4. gradients of the inputs");
        foreach (var sum in e.PathSums)
        {
            o.WriteLine($"   {Derivative(f, sum.Input.Name)} = {Format.Number(sum.Input.Grad)}");
        }
        if (e.PathSums.Count == 0)
        {
            o.WriteLine("   none: the formula has no variables");
        }
        o.WriteLine();

        o.WriteLine("5. each gradient as a sum over paths of products of local derivatives");
        foreach (var sum in e.PathSums)
        {
            WritePathSum(o, f, sum);
        }
    }

    internal static string Derivative(string of, string by) => $"d{of}/d{by}";

    private static void WriteStep(TextWriter o, string f, BackwardStep step, int width)
    {
        string lhs = $"   {Derivative(f, step.Node.Name).PadRight(width)}";
        if (step.Contributions.Count == 0)
        {
            o.WriteLine($"{lhs} = 1   (the output with respect to itself)");
            return;
        }

        string chain = string.Join(" + ", step.Contributions.Select(c => $"{Derivative(f, c.Consumer.Name)} x {Derivative(c.Consumer.Name, step.Node.Name)}"));
        string numbers = string.Join(" + ", step.Contributions.Select(c => $"{Format.Number(c.Consumer.Grad)} x {Format.Number(c.LocalValue)}"));
        var symbolic = step.Contributions
            .Where(c => c.Local.Factors.Count > 0 || c.Kink is not null)
            .Select(c => $"{Derivative(c.Consumer.Name, step.Node.Name)} = {c.Local.Write().Text}" + (c.Kink is null ? "" : $" at the kink of {c.Consumer.Node.Op}: {c.Kink}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        string where = symbolic.Count == 0 ? "" : $"   (local: {string.Join("; ", symbolic)})";
        o.WriteLine($"{lhs} = {chain} = {numbers} = {Format.Number(step.Node.Grad)}{where}");
    }

    private static void WritePathSum(TextWriter o, string f, PathSum sum)
    {
        string d = Derivative(f, sum.Input.Name);
        int count = (int)Math.Min(sum.PathCount, int.MaxValue);
        o.WriteLine($"   {d}: {Plural(sum.PathCount, "path")} from {f} to {sum.Input.Name}");
        if (sum.Paths is null)
        {
            string why = sum.Steps is double steps
                ? $"{Format.Number(steps)} steps in all, more than --max-output can print"
                : "the limit is --max-paths";
            o.WriteLine($"     too many to list ({why}); backprop adds them up at every node where they meet: {d} = {Format.Number(sum.Input.Grad)}");
            return;
        }

        int i = 1;
        foreach (var path in sum.Paths)
        {
            string route = string.Join(" -> ", path.Nodes.Select((n, k) => path.Roles[k] is { } role ? $"{n.Name} ({role})" : n.Name));
            string raw = string.Join(" x ", path.Locals.Select(t => t.Write().AtLeast(Core.Teaching.Binding.Product).Text));
            string numbers = string.Join(" x ", path.LocalValues.Select(Format.Number));
            o.WriteLine($"     path {i++}: {route}");
            o.WriteLine($"       {raw} = {path.Product.Write().Text}");
            o.WriteLine($"       {numbers} = {Format.Number(path.Value)}");
        }

        if (count == 0)
        {
            o.WriteLine($"     no path: {f} does not depend on {sum.Input.Name}");
        }

        string symbolic = sum.Symbolic!.Text == Format.Number(sum.Value) ? "" : $"{sum.Symbolic.Text} = ";
        o.WriteLine($"   {d} = {symbolic}{Format.Number(sum.Value)}   (backprop: {Format.Number(sum.Input.Grad)})");
        if (sum.Where.Count > 0)
        {
            o.WriteLine($"   {new string(' ', d.Length)}   where {sum.WhereText}");
        }
        o.WriteLine();
    }

    internal static string Plural(double count, string noun) =>
        count == 1 ? $"1 {noun}" : $"{Format.Number(count)} {noun}s";
}
