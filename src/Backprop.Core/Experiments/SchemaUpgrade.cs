using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backprop.Core.Experiments;

/// <summary>
/// Reads a trials.jsonl line of an older schema as a current <see cref="TrialResult"/>. Schema 4 differs only in having no
/// histograms of the back-propagated error: its layers read with <see cref="LayerStats.DeltaHist"/> null. Schema 3 has no
/// Jacobian spectra: its summary reads with <see cref="TrialSummary.JacobianInit"/> and <see cref="TrialSummary.JacobianFinal"/>
/// null. Schema 2 has neither those nor histograms: its layers read with <see cref="LayerStats.GradHist"/> and
/// <see cref="LayerStats.ActHist"/> null. Schema 1 had a fourth outcome,
/// "vanished" (the first layer's weight gradient below 1e-30), and called only a non-finite loss or gradient
/// divergence. A "vanished" trial trained to its end, so it reads as "ok"; its
/// regime comes from its error ratio like any other. Then the growth rule of <see cref="Divergence"/> is applied to the
/// recorded losses (and the final loss) of every "ok" trial: one past the bound reads as diverged at the first recorded
/// step past it (the exact step was not recorded), or at its last step if only its final loss is. Its later checkpoints,
/// which a current run would not have, are kept. The line on disk is left as it is.
/// </summary>
internal static class SchemaUpgrade
{
    /// <summary>The oldest schema read.</summary>
    public const int FromSchema = 1;

    public static bool Reads(int? schema) => schema is >= FromSchema and < TrialResult.CurrentSchema;

    public static TrialResult? Read(string line, out string? problem)
    {
        JsonNode? node = JsonNode.Parse(line);
        if (node is not JsonObject record)
        {
            problem = "not a trial record";
            return null;
        }
        bool schemaOne = record["schema"] is JsonValue s && s.TryGetValue(out int n) && n == 1;
        if (schemaOne && record["outcome"] is JsonValue outcome && outcome.TryGetValue(out string? name) && name == "vanished")
        {
            record["outcome"] = "ok";
        }
        record["schema"] = TrialResult.CurrentSchema;
        TrialResult? result = ResultFormat.Checked(record.Deserialize<TrialResult>(ResultFormat.JsonOptions), out problem);
        return result is null || !schemaOne ? result : ApplyGrowthRule(result);
    }

    private static TrialResult ApplyGrowthRule(TrialResult r)
    {
        if (r.Outcome != Outcome.Ok || r.Checkpoints.Count == 0)
        {
            return r;
        }
        double initial = r.Checkpoints[0].Loss;
        Checkpoint? past = r.Checkpoints.FirstOrDefault(c => Divergence.Diverged(c.Loss, initial));
        if (past is not null)
        {
            return r with { Outcome = Outcome.Diverged, DivergedAtStep = past.Step };
        }
        return Divergence.Diverged(r.FinalLoss, initial) ? r with { Outcome = Outcome.Diverged, DivergedAtStep = r.Checkpoints[^1].Step } : r;
    }
}
