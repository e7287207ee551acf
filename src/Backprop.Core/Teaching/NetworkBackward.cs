namespace Backprop.Core.Teaching;

/// <summary>What a step of the network's backward pass differentiates with respect to.</summary>
public enum NetworkStepKind
{
    /// <summary>a_j^[l], the output of a unit (dL/da at the output comes from the loss).</summary>
    Activation,

    /// <summary>z_j^[l], the unit's input before the activation.</summary>
    PreActivation,

    /// <summary>w_jk^[l].</summary>
    Weight,

    /// <summary>b_j^[l].</summary>
    Bias,

    /// <summary>x_k, an input of the network.</summary>
    Input,
}

/// <summary>
/// One term of a step: the derivative already known above (<see cref="Upstream"/>, at unit <see cref="From"/>, named as
/// the drawing names units: l2u0, or "loss") times the local derivative. Its <see cref="Value"/> is their product.
/// </summary>
public sealed record NetworkContribution(string From, Written Upstream, double UpstreamValue, Written Local, double LocalValue)
{
    public double Value => UpstreamValue * LocalValue;
}

/// <summary>
/// One step of the backward pass, d(out)/d(<see cref="Symbol"/>) = the sum of its <see cref="Contributions"/> (for
/// the loss's own derivative at an output unit, one contribution whose upstream is 1). <see cref="Unit"/> is the unit
/// the step belongs to (l1u0; l0u1 is x2); a weight step also names the arrow <see cref="Edge"/> (l0u1->l1u0) of its
/// weight. <see cref="Line"/> is the line <c>lab explain --net</c> prints for it.
/// </summary>
public sealed record NetworkBackwardStep(NetworkStepKind Kind, string Unit, string? Edge, Written Symbol, double Value,
    IReadOnlyList<NetworkContribution> Contributions, string Line);

/// <summary>
/// The backward pass of a dense network, unit by unit, in the worked example's form: dL/da at the output from the
/// loss; then for each unit j of layer l, dL/dz_j = dL/da_j x phi'(z_j), dL/dw_jk = dL/dz_j x a_k^[l-1] and
/// dL/db_j = dL/dz_j x 1; and for each unit k of the layer below, dL/da_k^[l-1] = sum over j of dL/dz_j x w_jk^[l]
/// (the inputs x_k last). Output layer first, units in order within a layer.
/// </summary>
public static class NetworkBackward
{
    /// <summary>Networks with more weights get no step list: one line per weight is a wall of text, not an explanation.</summary>
    public const int MaxWeights = 200;

    internal static List<NetworkBackwardStep> Steps(NetworkState s, string output, IReadOnlyList<PathFactor> lossFactors)
    {
        var steps = new List<NetworkBackwardStep>();
        // dL/dz_j^[l] of the layer just done, with its symbol: what the layer below sums over.
        var above = new List<(string Unit, Written Symbol, double Value)>();
        for (int l = s.Depth; l >= 1; l--)
        {
            var layer = s.Layers[l - 1];
            var dz = new List<(string, Written, double)>();
            for (int j = 0; j < layer.OutputSize; j++)
            {
                string unit = $"l{l}u{j}";
                var a = s.Activation(l, j);
                var da = l == s.Depth
                    ? Step(output, NetworkStepKind.Activation, unit, null, a.Symbol, [new NetworkContribution("loss", Written.Number(1), 1, lossFactors[j].Symbol, lossFactors[j].Value)])
                    : Step(output, NetworkStepKind.Activation, unit, null, a.Symbol, Down(s, l + 1, j, above));
                steps.Add(da);

                var slope = s.Slope(l, j) ?? new PathFactor(Written.Number(1), 1);
                var z = Step(output, NetworkStepKind.PreActivation, unit, null, Written.Atom($"z{j + 1}[{l}]", $"z_{{{j + 1}}}^{{[{l}]}}"),
                    [new NetworkContribution(unit, D(output, a.Symbol), da.Value, slope.Symbol, slope.Value)]);
                steps.Add(z);
                var dzSymbol = D(output, z.Symbol);
                dz.Add((unit, dzSymbol, z.Value));

                for (int k = 0; k < layer.InputSize; k++)
                {
                    var w = s.Weight(l, j, k);
                    var input = s.Activation(l - 1, k);
                    steps.Add(Step(output, NetworkStepKind.Weight, unit, $"l{l - 1}u{k}->{unit}", w.Symbol,
                        [new NetworkContribution(unit, dzSymbol, z.Value, input.Symbol, input.Value)]));
                }

                steps.Add(Step(output, NetworkStepKind.Bias, unit, null, Written.Atom($"b{j + 1}[{l}]", $"b_{{{j + 1}}}^{{[{l}]}}"),
                    [new NetworkContribution(unit, dzSymbol, z.Value, Written.Number(1), 1)]));
            }

            above = dz;
        }

        for (int k = 0; k < s.X.Length; k++)
        {
            steps.Add(Step(output, NetworkStepKind.Input, $"l0u{k}", null, s.Activation(0, k).Symbol, Down(s, 1, k, above)));
        }

        return steps;
    }

    /// <summary>dL/da_k^[l-1] = sum over units j of layer l of dL/dz_j^[l] x w_jk^[l].</summary>
    private static List<NetworkContribution> Down(NetworkState s, int l, int k, List<(string Unit, Written Symbol, double Value)> above) =>
        above.Select((u, j) =>
        {
            var w = s.Weight(l, j, k);
            return new NetworkContribution(u.Unit, u.Symbol, u.Value, w.Symbol, w.Value);
        }).ToList();

    private static NetworkBackwardStep Step(string output, NetworkStepKind kind, string unit, string? edge, Written symbol, List<NetworkContribution> terms)
    {
        double value = terms.Sum(c => c.Value);
        return new NetworkBackwardStep(kind, unit, edge, symbol, value, terms, Line(output, D(output, symbol).Text, terms, value, kind == NetworkStepKind.Activation && terms[0].From == "loss"));
    }

    /// <summary>
    /// dL/dz1[2] = dL/da1[2] x 1 = -13 x 1 = -13; at an output unit, dL/da1[2] = -2(y - y_hat) = -13, the loss's own
    /// derivative (1 for y_hat itself); where several units above meet, the terms are joined by +.
    /// </summary>
    private static string Line(string output, string lhs, List<NetworkContribution> terms, double value, bool fromLoss)
    {
        if (fromLoss)
        {
            return output == "L"
                ? $"{lhs} = {terms[0].Local.Text} = {NetworkState.Num(value)}"
                : $"{lhs} = {NetworkState.Num(value)}   ({output} is output unit 1)";
        }

        string chain = string.Join(" + ", terms.Select(c => $"{c.Upstream.Text} x {c.Local.Text}"));
        string numbers = string.Join(" + ", terms.Select(c => $"{NetworkState.Num(c.UpstreamValue)} x {NetworkState.Num(c.LocalValue)}"));
        return $"{lhs} = {chain} = {numbers} = {NetworkState.Num(value)}";
    }

    private static Written D(string output, Written of) => Written.Atom($"d{output}/d{of.Text}", $"\\frac{{\\partial {(output == "L" ? "L" : "\\hat{y}")}}}{{\\partial {of.Latex}}}");
}
