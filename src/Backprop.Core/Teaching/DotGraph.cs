using System.Text;

namespace Backprop.Core.Teaching;

/// <summary>A box of a drawn graph; the label may hold several lines separated by '\n'.</summary>
public sealed record DotNode(string Id, string Label, bool Emphasis = false);

/// <summary>An arrow of a drawn graph, with an optional label (a local derivative, a weight).</summary>
public sealed record DotEdge(string From, string To, string Label = "");

/// <summary>One picture: the forward view (values flow up) or the backward view (gradients flow back).</summary>
public sealed record DotView(string Title, IReadOnlyList<DotNode> Nodes, IReadOnlyList<DotEdge> Edges);

/// <summary>
/// Writes views as one Graphviz digraph, each view a cluster side by side like the worked example's two figures.
/// Ids are prefixed per view so the same node can appear in both; every string is quoted and escaped, so
/// any label is valid DOT.
/// </summary>
public static class DotGraph
{
    public static string Write(string name, params DotView[] views)
    {
        var s = new StringBuilder();
        s.Append("digraph ").Append(Quote(name)).AppendLine(" {");
        s.AppendLine("  rankdir=LR;");
        s.AppendLine("  node [shape=box, style=rounded, fontname=\"Helvetica\"];");
        s.AppendLine("  edge [fontname=\"Helvetica\", fontsize=10];");
        for (int v = 0; v < views.Length; v++)
        {
            var view = views[v];
            string prefix = $"v{v}_";
            s.Append("  subgraph ").Append(Quote($"cluster_{v}")).AppendLine(" {");
            s.Append("    label=").Append(Quote(view.Title)).AppendLine(";");
            foreach (var node in view.Nodes)
            {
                s.Append("    ").Append(Quote(prefix + node.Id)).Append(" [label=").Append(Quote(node.Label));
                s.AppendLine(node.Emphasis ? ", penwidth=2];" : "];");
            }

            foreach (var edge in view.Edges)
            {
                s.Append("    ").Append(Quote(prefix + edge.From)).Append(" -> ").Append(Quote(prefix + edge.To));
                s.AppendLine(edge.Label.Length == 0 ? ";" : $" [label={Quote(edge.Label)}];");
            }

            s.AppendLine("  }");
        }

        s.AppendLine("}");
        return s.ToString();
    }

    /// <summary>A DOT double-quoted string: backslash and quote escaped, newlines as \n (a centred line break).</summary>
    public static string Quote(string text)
    {
        var s = new StringBuilder("\"");
        foreach (char c in text)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "",
                _ => c.ToString(),
            });
        }

        return s.Append('"').ToString();
    }
}
