using System.Text.Json.Nodes;
using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>trials.jsonl lines of this schema and of schema 1, and the summary.csv row.</summary>
public class ResultFormatTests
{
    private static readonly TrialConfig Small = new()
    {
        Depth = 3, Width = 16, Activation = "tanh", Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 20, RecordEvery = 10, LearningRate = 0.05,
    };

    private static readonly Lazy<TrialResult> Trained = new(() => TrialRunner.Run(Small));

    /// <summary>The line schema 1 wrote for <paramref name="r"/>: no regime field, and the outcome it gave.</summary>
    private static string SchemaOne(TrialResult r, string outcome, Action<JsonObject>? edit = null)
    {
        var node = JsonNode.Parse(ResultFormat.ToJsonLine(r))!.AsObject();
        node["schema"] = 1;
        node["outcome"] = outcome;
        node.Remove("regime");
        edit?.Invoke(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Outcome_and_regime_are_stored_by_name()
    {
        string line = ResultFormat.ToJsonLine(Trained.Value);
        Assert.Contains("\"outcome\":\"ok\"", line);
        Assert.Contains("\"regime\":\"stable\"", line);
        Assert.Contains("\"schema\":5", line);
    }

    [Fact]
    public void A_schema_1_vanished_trial_reads_as_ok_with_its_regime()
    {
        TrialResult r = Trained.Value;
        TrialResult? read = ResultFormat.FromJsonLine(SchemaOne(r, "vanished"), out string? problem);
        Assert.Null(problem);
        Assert.Equal(Outcome.Ok, read!.Outcome);
        Assert.Equal(TrialResult.CurrentSchema, read.Schema);
        Assert.Equal(r.Regime, read.Regime);
        Assert.Equal(ResultFormat.ToJsonLine(r), ResultFormat.ToJsonLine(read));
    }

    [Fact]
    public void A_schema_1_trial_whose_recorded_loss_grew_a_millionfold_reads_as_diverged_at_that_record()
    {
        TrialResult r = Trained.Value;
        string line = SchemaOne(r, "vanished", node =>
        {
            node["checkpoints"]![1]!["loss"] = 1e30; // the step-10 record
            node["final_loss"] = 1e40;
        });
        TrialResult read = ResultFormat.FromJsonLine(line, out _)!;
        Assert.Equal(Outcome.Diverged, read.Outcome);
        Assert.Equal(10, read.DivergedAtStep);
        Assert.Equal(r.Checkpoints.Count, read.Checkpoints.Count); // what was recorded is kept
    }

    [Fact]
    public void A_schema_1_trial_whose_final_loss_alone_is_past_the_bound_reads_as_diverged_at_its_last_step()
    {
        TrialResult read = ResultFormat.FromJsonLine(SchemaOne(Trained.Value, "ok", node => node["final_loss"] = "Infinity"), out _)!;
        Assert.Equal(Outcome.Diverged, read.Outcome);
        Assert.Equal(20, read.DivergedAtStep);
    }

    [Fact]
    public void Schema_1_diverged_and_failed_trials_keep_their_outcome()
    {
        TrialResult r = Trained.Value;
        TrialResult diverged = ResultFormat.FromJsonLine(SchemaOne(r, "diverged", node => node["diverged_at_step"] = 7), out _)!;
        Assert.Equal((Outcome.Diverged, 7), (diverged.Outcome, diverged.DivergedAtStep));
        TrialResult failed = TrialResult.FailedWith(r.Key, r.Config, new InvalidOperationException("boom"), 0);
        TrialResult? read = ResultFormat.FromJsonLine(SchemaOne(failed, "failed"), out string? problem);
        Assert.Null(problem);
        Assert.Equal(Outcome.Failed, read!.Outcome);
        Assert.Null(read.Regime);
    }

    [Fact]
    public void An_outcome_this_version_does_not_know_is_refused()
    {
        string line = ResultFormat.ToJsonLine(Trained.Value).Replace("\"outcome\":\"ok\"", "\"outcome\":\"vanished\"", StringComparison.Ordinal);
        Assert.Null(ResultFormat.FromJsonLine(line, out string? problem));
        Assert.Equal("unreadable value at $.outcome", problem);
    }

    [Fact]
    public void The_csv_row_names_every_field_of_the_configuration_and_the_regime()
    {
        string[] columns = ResultFormat.CsvColumns;
        Assert.All(Small.Fields(), f => Assert.Contains(f.Key == "activation" ? "activation" : f.Key, columns));
        string[] row = ResultFormat.CsvRow(Trained.Value).Split(',');
        Assert.Equal("stable", row[Array.IndexOf(columns, "regime")]);
        Assert.Equal("ok", row[Array.IndexOf(columns, "outcome")]);
        Assert.Equal("64", row[Array.IndexOf(columns, "samples")]);
        Assert.Equal("10", row[Array.IndexOf(columns, "record_every")]);
        Assert.Equal("", row[Array.IndexOf(columns, "widths")]);
        Assert.Equal("8-4", ResultFormat.CsvRow(Trained.Value with { Config = Small with { Widths = [8, 4] } }).Split(',')[Array.IndexOf(columns, "widths")]);
    }
}
