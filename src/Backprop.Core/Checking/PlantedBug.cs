namespace Backprop.Core.Checking;

/// <summary>The classic mistakes of a hand-written backward pass, planted on purpose (see <see cref="PlantedBugBackward"/>).</summary>
public enum PlantedBugKind
{
    /// <summary>delta_l = dJ/da_l: the factor phi'(z_l) is left out.</summary>
    DropActivationDerivative,

    /// <summary>dJ/dx = delta W^T instead of delta W (column convention: W instead of W^T); needs a square layer.</summary>
    TransposedWeights,

    /// <summary>dJ/db_j = delta_ij of the last example: the sum over the batch (a fan-out of b) overwrites instead of accumulating.</summary>
    OverwriteFanOut,

    /// <summary>MSE gradient -(y - yhat)/m instead of -2(y - yhat)/m.</summary>
    LossMissingTwo,

    /// <summary>Loss gradient without the 1/m of the batch average.</summary>
    LossMissingMean,

    /// <summary>Layer l computes its dJ/dW, dJ/db and dJ/dx from delta_{l+1}, the delta of the layer above; needs equal widths.</summary>
    ShiftedDelta,

    /// <summary>
    /// Residual block b passes down the branch's dJ/dx alone: the skip's share of dJ/dx_b (g, or g phi'(u) in the post
    /// form) is not added where the skip and the branch meet at the block's input. The number after @ is the block.
    /// </summary>
    SkipNotAdded,

    /// <summary>Layer l's layernorm backward computes dz = (dzhat - zhat mean(dzhat zhat)) / s: the - mean(dzhat) term, the gradient through the mean mu, is left out.</summary>
    NormMissingMean,
}

/// <summary>A planted bug in layer <paramref name="Layer"/> (1-based; the residual block for skip-not-added; ignored for the loss bugs).</summary>
public sealed record PlantedBug(PlantedBugKind Kind, int Layer = 1)
{
    public static IReadOnlyList<string> Names { get; } =
        ["drop-activation-derivative", "transposed-weights", "overwrite-fan-out", "loss-missing-two", "loss-missing-mean", "shifted-delta",
            "skip-not-added", "norm-missing-mean"];

    public bool IsLossBug => Kind is PlantedBugKind.LossMissingTwo or PlantedBugKind.LossMissingMean;

    public static string NameOf(PlantedBugKind kind) => Names[(int)kind];

    /// <summary>Parses "drop-activation-derivative@2" (layer 2), "skip-not-added@1" (block 1) or "loss-missing-two"; the number defaults to 1.</summary>
    public static bool TryParse(string text, out PlantedBug bug)
    {
        bug = new PlantedBug(PlantedBugKind.DropActivationDerivative);
        string[] parts = text.Trim().ToLowerInvariant().Split('@');
        int index = Names.ToList().IndexOf(parts[0]);
        int layer = 1;
        if (index < 0 || parts.Length > 2 || (parts.Length == 2 && (!int.TryParse(parts[1], out layer) || layer < 1)))
        {
            return false;
        }
        bug = new PlantedBug((PlantedBugKind)index, layer);
        return true;
    }

    public override string ToString() => IsLossBug ? NameOf(Kind) : $"{NameOf(Kind)}@{Layer}";
}
