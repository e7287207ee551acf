using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// The stored forms of a trial: one JSON object per line of trials.jsonl (snake_case names; NaN and
/// infinities as the strings "NaN", "Infinity", "-Infinity") and one row of summary.csv. The schemas are
/// documented in docs/sweeps.md.
/// </summary>
public static class ResultFormat
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public static string ToJsonLine(TrialResult result) => JsonSerializer.Serialize(result, JsonOptions);

    /// <summary>
    /// Reads one line; null (with the reason) when it is not a trial of the current schema or of an older one that can
    /// be brought up to it (<see cref="SchemaUpgrade"/>).
    /// </summary>
    public static TrialResult? FromJsonLine(string line, out string? problem)
    {
        problem = null;
        try
        {
            // The common case in one pass (a 40 KB line in 60% of the time of the checked path below); anything
            // unexpected (no schema, another schema, bad JSON) goes through the checked path for its reason.
            TrialResult? direct = JsonSerializer.Deserialize<TrialResult>(line, JsonOptions);
            if (direct is { Schema: TrialResult.CurrentSchema, Config: not null } && !string.IsNullOrEmpty(direct.Key))
            {
                return direct;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or NotSupportedException)
        {
        }
        return Checked(line, out problem);
    }

    private static TrialResult? Checked(string line, out string? problem)
    {
        problem = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            problem = "truncated or malformed JSON";
            return null;
        }
        using (doc)
        {
            try
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    problem = $"{Serialization.JsonField.Describe(doc.RootElement)}, expected a trial result object";
                    return null;
                }
                int? schema = doc.RootElement.TryGetProperty("schema", out JsonElement s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out int n) ? n : null;
                if (SchemaUpgrade.Reads(schema))
                {
                    return SchemaUpgrade.Read(line, out problem);
                }
                if (schema != TrialResult.CurrentSchema)
                {
                    problem = $"schema {(doc.RootElement.TryGetProperty("schema", out JsonElement raw) ? raw.GetRawText() : "missing")}, expected {SchemaUpgrade.FromSchema} to {TrialResult.CurrentSchema}";
                    return null;
                }
                return Checked(doc.RootElement.Deserialize<TrialResult>(JsonOptions), out problem);
            }
            catch (JsonException e)
            {
                // Well-formed JSON with a value this version cannot take, such as an outcome it does not know.
                problem = $"unreadable value at {e.Path ?? "$"}";
                return null;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                problem = e.Message;
                return null;
            }
        }
    }

    internal static TrialResult? Checked(TrialResult? result, out string? problem)
    {
        problem = result is null || string.IsNullOrEmpty(result.Key) || result.Config is null ? "not a trial record" : null;
        return problem is null ? result : null;
    }

    public static readonly string[] CsvColumns =
    [
        "trial_key", "activation", "depth", "width", "widths", "init", "sigma_w2", "sigma_b", "gain", "dataset", "samples", "input_dim", "input_scale", "loss", "optimizer",
        "learning_rate", "batch_size", "steps", "record_every", "seed", "jacobian", "architecture", "block_depth", "residual_scale", "block_form", "norm", "outcome", "diverged_at_step", "final_loss", "regime",
        "first_last_ratio_init", "first_last_ratio_final", "delta_ratio_init", "delta_ratio_final", "log_slope_measured", "log_slope_predicted",
        "chi1_measured", "chi1_predicted", "jacobian_msv_init", "jacobian_msv_final", "jacobian_max_init", "jacobian_max_final",
        "jacobian_spread_init", "jacobian_spread_final", "seconds", "error",
    ];

    public static string CsvHeader() => string.Join(',', CsvColumns);

    public static string CsvRow(TrialResult r)
    {
        TrialConfig c = r.Config;
        TrialSummary? s = r.Summary;
        var cells = new[]
        {
            r.Key, Networks.Activation.TryParse(c.Activation, out Networks.Activation a) ? a.ToString() : c.Activation, I(c.Depth), I(c.Width), c.Widths is null ? "" : string.Join('-', c.Widths.Select(I)), c.Init, D(c.SigmaW2), D(c.SigmaB), D(c.Gain), c.Dataset,
            I(c.Samples), I(c.InputDim), D(c.InputScale), c.Loss ?? "", c.Optimizer, D(c.LearningRate), I(c.BatchSize), I(c.Steps), I(c.RecordEvery), c.Seed.ToString(CultureInfo.InvariantCulture),
            Serialization.SnakeCaseEnumConverter<JacobianMode>.Name(c.Jacobian),
            c.Architecture, I(c.BlockDepth), c.ResidualScale, c.BlockForm, c.Norm,
            Name(r.Outcome), r.DivergedAtStep is int k ? I(k) : "", D(r.FinalLoss), r.Regime is FlowRegime g ? Name(g) : "",
            D(s?.FirstLastRatioInit), D(s?.FirstLastRatioFinal), D(s?.DeltaRatioInit), D(s?.DeltaRatioFinal), D(s?.LogSlopeMeasured), D(s?.LogSlopePredicted),
            D(s?.LogSlopeMeasured is double m ? Math.Exp(m) : null), D(s?.Chi1Predicted),
            D(s?.JacobianInit?.MeanSquared), D(s?.JacobianFinal?.MeanSquared), D(s?.JacobianInit?.Max), D(s?.JacobianFinal?.Max),
            D(s?.JacobianInit?.RelativeVariance), D(s?.JacobianFinal?.RelativeVariance), D(r.Seconds), r.Error ?? "",
        };
        return string.Join(',', cells.Select(Quote));
    }

    /// <summary>The stored and printed name of an outcome or regime ("ok", "vanishing"), as trials.jsonl spells it.</summary>
    public static string Name(Outcome outcome) => Serialization.SnakeCaseEnumConverter<Outcome>.Name(outcome);

    /// <inheritdoc cref="Name(Outcome)"/>
    public static string Name(FlowRegime regime) => Serialization.SnakeCaseEnumConverter<FlowRegime>.Name(regime);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string D(double? v) => v switch
    {
        null => "",
        double x when double.IsNaN(x) => "NaN",
        double x when double.IsPositiveInfinity(x) => "inf",
        double x when double.IsNegativeInfinity(x) => "-inf",
        double x => x.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
