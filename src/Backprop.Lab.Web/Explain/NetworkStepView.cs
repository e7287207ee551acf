using Backprop.Core.Teaching;

namespace Backprop.Lab.Web.Explain;

/// <summary>
/// One term of a step: d(out)/d(<see cref="Upstream"/>) known at unit <see cref="From"/> (l2u0, or loss) times the
/// local derivative <see cref="Local"/>; <see cref="Value"/> is the product.
/// </summary>
public sealed record NetworkStepTerm(string From, string Upstream, double UpstreamValue, string Local, double LocalValue, double Value);

/// <summary>
/// One step of a network's backward pass, output first, as <c>lab explain --net</c> prints it (<see cref="Line"/>):
/// d(out)/d(<see cref="Name"/>) at unit <see cref="Unit"/> (named as in the DOT), the arrows its terms come along
/// (<see cref="Edges"/>, written forward as in <see cref="NetworkPathView"/>: l1u0->l2u0) and the terms, which add up
/// to <see cref="Value"/> where several units above meet.
/// </summary>
public sealed record NetworkStepView(string Kind, string Unit, string Name, double Value, string Line, IReadOnlyList<string> Edges,
    IReadOnlyList<NetworkStepTerm> Contributions)
{
    public static List<NetworkStepView> Of(NetworkPathSum sum)
    {
        ArgumentNullException.ThrowIfNull(sum);
        return sum.Backward().Select(s => new NetworkStepView(s.Kind.ToString().ToLowerInvariant(), s.Unit, s.Symbol.Text, s.Value, s.Line,
            Arrows(s), s.Contributions.Select(c => new NetworkStepTerm(c.From, c.Upstream.Text, c.UpstreamValue, c.Local.Text, c.LocalValue, c.Value)).ToList())).ToList();
    }

    /// <summary>
    /// A weight's step lights its own arrow; a unit's output (or an input) the arrows up to the units whose terms it sums;
    /// z and b stay within their unit.
    /// </summary>
    private static List<string> Arrows(NetworkBackwardStep s) => s.Kind switch
    {
        NetworkStepKind.Weight => [s.Edge!],
        NetworkStepKind.Activation or NetworkStepKind.Input => s.Contributions.Select(c => $"{s.Unit}->{c.From}").ToList(),
        _ => [],
    };
}
