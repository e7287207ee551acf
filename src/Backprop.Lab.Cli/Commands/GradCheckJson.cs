using System.Text;
using System.Text.Json;
using Backprop.Core.Checking;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The JSON form of a gradient check and of a step-size sweep (schema in docs/gradcheck.md). Numbers at full
/// (round-trip) precision; NaN and infinities, which JSON lacks, as the strings "NaN", "Infinity", "-Infinity".
/// </summary>
internal static class GradCheckJson
{
    public static void Write(TextWriter o, GradCheckReport report) => Emit(o, w =>
    {
        w.WriteString("mode", report.Mode);
        w.WriteString("subject", report.Subject);
        w.WriteString("verdict", report.Verdict.ToString().ToLowerInvariant());
        if (report.Error is not null)
        {
            w.WriteString("error", report.Error);
            return;
        }
        Number(w, "J", report.Loss);
        Number(w, "h", report.Options.Step);
        w.WriteString("precision", report.Options.Precision == Precision.Single ? "float32" : "float64");
        Number(w, "noise_floor", report.NoiseFloor);
        w.WriteStartObject("bands");
        Number(w, "excellent", ErrorBands.Excellent);
        Number(w, "fine", ErrorBands.Fine);
        Number(w, "suspicious", ErrorBands.Suspicious);
        w.WriteEndObject();
        if (report.Fast is { } fast)
        {
            w.WriteStartObject("fast");
            Directional(w, new DirectionalCheck("all", fast.Analytic, fast.Numeric, fast.RelativeError, fast.Verdict));
            w.WriteStartArray("per_tensor");
            foreach (DirectionalCheck t in fast.PerTensor)
            {
                w.WriteStartObject();
                w.WriteString("tensor", t.Tensor);
                Directional(w, t);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteStartArray("tensors");
        foreach (TensorCheck t in report.Tensors)
        {
            Tensor(w, t);
        }
        w.WriteEndArray();
        if (report.Localization is { } localization)
        {
            w.WriteStartObject("localisation");
            w.WriteString("summary", localization.Summary);
            w.WriteStartArray("findings");
            foreach (LocalFinding f in localization.Findings)
            {
                w.WriteStartObject();
                if (f.Layer is { } layer)
                {
                    w.WriteNumber("layer", layer);
                }
                else
                {
                    w.WriteNull("layer");
                }
                if (f.Block is { } block)
                {
                    w.WriteNumber("block", block);
                }
                w.WriteString("site", f.Site);
                w.WriteString("operation", Snake(f.Operation.ToString()));
                Number(w, "rel_error", f.RelativeError);
                if (f.Factor is { } factor)
                {
                    Number(w, "factor", factor);
                }
                else
                {
                    w.WriteNull("factor");
                }
                w.WriteString("message", f.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteStartArray("notes");
        foreach (string note in report.Notes)
        {
            w.WriteStringValue(note);
        }
        w.WriteEndArray();
    });

    public static void Write(TextWriter o, StepSweepResult sweep) => Emit(o, w =>
    {
        w.WriteString("subject", sweep.Subject);
        w.WriteString("precision", sweep.Precision == Precision.Single ? "float32" : "float64");
        Number(w, "J", sweep.Loss);
        w.WriteStartArray("series");
        foreach (SweepSeries s in sweep.Series)
        {
            w.WriteStartObject();
            w.WriteString("entry", s.Entry);
            Number(w, "analytic", s.Analytic);
            Number(w, "best_h", s.Best.Step);
            Number(w, "best_rel_error", s.Best.RelativeError);
            w.WriteStartArray("points");
            foreach (SweepPoint p in s.Points)
            {
                w.WriteStartObject();
                Number(w, "h", p.Step);
                Number(w, "numeric", p.Numeric);
                Number(w, "rel_error", p.RelativeError);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void Tensor(Utf8JsonWriter w, TensorCheck t)
    {
        w.WriteStartObject();
        w.WriteString("name", t.Name);
        w.WriteString("description", t.Description);
        w.WriteNumber("size", t.Size);
        w.WriteNumber("checked", t.Checked);
        Number(w, "max_rel_error", t.MaxRelativeError);
        Number(w, "mean_rel_error", t.MeanRelativeError);
        w.WriteNumber("kink_crossings", t.KinkCrossings);
        w.WriteNumber("below_noise", t.BelowNoise);
        w.WriteNumber("failures", t.Failures);
        w.WriteString("verdict", t.Verdict.ToString().ToLowerInvariant());
        w.WriteStartArray("worst");
        foreach (EntryCheck e in t.Worst)
        {
            w.WriteStartObject();
            w.WriteString("entry", e.Label);
            w.WriteNumber("index", e.Index);
            Number(w, "analytic", e.Analytic);
            Number(w, "numeric", e.Numeric);
            Number(w, "difference", e.Difference);
            Number(w, "rel_error", e.RelativeError);
            w.WriteString("band", ErrorBands.Name(e.Band));
            w.WriteString("status", GradCheckText.Status(e.Verdict).ToLowerInvariant());
            if (e.LeftDifference is { } left)
            {
                w.WriteStartArray("one_sided");
                Value(w, left);
                Value(w, e.RightDifference!.Value);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Directional(Utf8JsonWriter w, DirectionalCheck d)
    {
        Number(w, "analytic", d.Analytic);
        Number(w, "numeric", d.Numeric);
        Number(w, "rel_error", d.RelativeError);
        w.WriteString("status", GradCheckText.Status(d.Verdict).ToLowerInvariant());
    }

    private static void Emit(TextWriter o, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        o.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Snake(string pascal) => string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    // One home for the JSON number convention (non-finite values as strings): lab grad's.
    private static void Number(Utf8JsonWriter w, string name, double value) => GradCommand.WriteNumber(w, name, value);

    private static void Value(Utf8JsonWriter w, double value) => GradCommand.WriteValue(w, value);
}
