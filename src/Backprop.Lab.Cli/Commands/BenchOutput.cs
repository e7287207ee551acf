using System.Text;
using System.Text.Json;

namespace Backprop.Lab.Cli.Commands;

/// <summary>The table and the JSON of <c>lab bench</c> (the JSON's fields are listed in docs/benchmarks.md).</summary>
internal static class BenchOutput
{
    public static void WriteTable(TextWriter o, BenchReport r)
    {
        o.WriteLine($"lab bench: float64 tanh MLP, MSE, one SGD step; kernel {r.Kernel}; {r.Cores} core(s)");
        o.WriteLine("ms/step is the fastest round of several (median beside it); GFLOP/s counts 6 x batch x width^2 x depth per step.");
        o.WriteLine();
        bool torch = r.PyTorch.Count > 0;
        o.WriteLine(torch
            ? "shape    depth width batch threads  ms/step  (median)  GFLOP/s  bytes/step  PyTorch ms  ratio"
            : "shape    depth width batch threads  ms/step  (median)  GFLOP/s  bytes/step");
        foreach (StepFigure s in r.Steps)
        {
            var line = new StringBuilder();
            line.Append($"{s.Shape.Name,-8} {s.Shape.Depth,5} {s.Shape.Width,5} {s.Shape.Batch,5} {s.Threads,7} {Ms(s.BestMs),8} {Ms(s.MedianMs),9} {s.GigaflopsPerSecond,8:F1} {s.BytesPerStep,11:F0}");
            if (Torch(r, s) is { } t)
            {
                line.Append($" {Ms(t.Ms),11} {s.BestMs / t.Ms,6:F2}");
            }
            o.WriteLine(line.ToString());
        }
        if (torch)
        {
            o.WriteLine($"PyTorch {r.PyTorch[0].Torch}, BLAS {r.PyTorch[0].Blas}; ratio = ours / PyTorch (below 1 is faster).");
        }
        else if (r.PyTorchNote is { } note)
        {
            o.WriteLine($"PyTorch: {note}");
        }
        o.WriteLine();
        o.WriteLine("gradient check            threads  entries  seconds  entries/s  x one step  verdict");
        foreach (GradCheckFigure g in r.GradChecks)
        {
            string ratio = double.IsNaN(g.StepRatio) ? "" : g.StepRatio.ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
            o.WriteLine($"{g.Name,-25} {g.Threads,7} {g.Entries,8} {g.Seconds,8:F3} {g.EntriesPerSecond,10:F0} {ratio,11}  {g.Verdict}");
        }
        foreach (GradCheckFigure g in r.GradChecks.Where(g => !double.IsNaN(g.StepRatio)))
        {
            o.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{g.Name}: median of {g.Rounds} rounds, each the check over the median of 3 training steps of the same shape timed just before it; range {g.StepRatioLow:F2}-{g.StepRatioHigh:F2}"));
        }
        JacobianFigure j = r.Jacobian;
        o.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Jacobian spectrum d{j.Shape.Depth} w{j.Shape.Width} b{j.Shape.Batch}, exact at {j.Inputs} inputs: {j.Seconds:F3} s = {j.StepRatio:F2} training steps (median of {j.Rounds} rounds, range {j.StepRatioLow:F2}-{j.StepRatioHigh:F2})"));
        o.WriteLine();
        if (r.Architectures is { Count: > 0 } architectures)
        {
            ArchitectureStepFigure first = architectures[0];
            bool torchArchitectures = first.TorchRatio is not null;
            o.WriteLine($"architecture (tanh, depth {first.Depth}, width {first.Width}, batch {first.Batch}, 1 thread)  ms/step  plain ms  x plain (median, range)  bytes/step"
                + (torchArchitectures ? "  PyTorch x plain" : ""));
            foreach (ArchitectureStepFigure a in architectures)
            {
                string torchColumn = a.TorchRatio is double t ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" {t,16:F3}") : "";
                o.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{a.Name,-46} {Ms(a.Ms),8} {Ms(a.PlainMs),9} {a.Ratio,8:F3} ({a.RatioLow:F3}-{a.RatioHigh:F3}) {a.BytesPerStep,11:F0}{torchColumn}"));
            }
            o.WriteLine($"x plain: each of {first.Rounds} rounds times the plain network and then this one, back to back; the median of their ratios.");
            o.WriteLine();
        }
        if (r.Sweep is { } w)
        {
            var c = System.Globalization.CultureInfo.InvariantCulture;
            string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F2", c)));
            o.WriteLine(string.Create(c, $"sweep {Path.GetFileName(w.File)}: {w.Trials} trials on {w.Parallelism} worker(s), {w.Failed} failed; seconds per round, to the last result on disk:"));
            o.WriteLine(string.Create(c, $"  in process:     {List(w.InProcessSeconds)} (median {w.Seconds:F2} s, {w.TrialsPerSecond:F2} trials/s)"));
            o.WriteLine(string.Create(c, $"  embedded silo:  {List(w.EmbeddedSeconds)} (median {w.EmbeddedMedianSeconds:F2} s; silo start included, the first round also compiles Orleans)"));
            string warm = w.Ratios.Count > 1 ? string.Create(c, $" (median after the first round {w.WarmMedianRatio:F2})") : "";
            o.WriteLine($"  embedded / in process, round by round: {List(w.Ratios)}{warm}");
            o.WriteLine(string.Create(c, $"  seconds a worker had no trial: in process {List(w.InProcessIdleSeconds)}; embedded {List(w.EmbeddedIdleSeconds)}"));
            o.WriteLine(string.Create(c, $"  the trials' own seconds, embedded / in process: {List(w.TrialRatios)}"));
            string Heap(IReadOnlyList<SweepMemory> rounds) => string.Join(", ", rounds.Select(m =>
                string.Create(c, $"{m.AllocatedMegabytes:F0} MB {m.Collections}/{m.FullCollections} {m.PauseMilliseconds:F0} ms")));
            o.WriteLine($"  heap per round (allocated, collections/full ones, pauses): in process {Heap(w.InProcessMemory)}; embedded {Heap(w.EmbeddedMemory)}");
            if (w.Ratios.Count > 1)
            {
                o.WriteLine(string.Create(c, $"  after the first round, medians: the silo's extra idle time {100 * w.WarmIdleShare:F1}% of the in-process time; trials {w.WarmTrialRatio:F3}x as long"));
            }
        }
        else if (r.SweepNote is { } note)
        {
            o.WriteLine($"sweep: {note}");
        }
    }

    public static void WriteJson(TextWriter o, BenchReport r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("kernel", r.Kernel);
            w.WriteNumber("cores", r.Cores);
            w.WriteStartArray("architectures");
            foreach (ArchitectureStepFigure a in r.Architectures ?? [])
            {
                w.WriteStartObject();
                w.WriteString("name", a.Name);
                w.WriteNumber("depth", a.Depth);
                w.WriteNumber("width", a.Width);
                w.WriteNumber("batch", a.Batch);
                w.WriteNumber("ms_per_step", a.Ms);
                w.WriteNumber("plain_ms_per_step", a.PlainMs);
                w.WriteNumber("ratio_to_plain", a.Ratio);
                w.WriteNumber("ratio_low", a.RatioLow);
                w.WriteNumber("ratio_high", a.RatioHigh);
                w.WriteNumber("bytes_per_step", a.BytesPerStep);
                WriteNumberOrNull(w, "pytorch_ms_per_step", a.TorchMs);
                WriteNumberOrNull(w, "pytorch_plain_ms_per_step", a.TorchPlainMs);
                WriteNumberOrNull(w, "pytorch_ratio_to_plain", a.TorchRatio);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("steps");
            foreach (StepFigure s in r.Steps)
            {
                w.WriteStartObject();
                w.WriteString("shape", s.Shape.Name);
                w.WriteNumber("depth", s.Shape.Depth);
                w.WriteNumber("width", s.Shape.Width);
                w.WriteNumber("batch", s.Shape.Batch);
                w.WriteNumber("threads", s.Threads);
                w.WriteNumber("ms_per_step", s.BestMs);
                w.WriteNumber("median_ms_per_step", s.MedianMs);
                w.WriteNumber("gflops", s.GigaflopsPerSecond);
                w.WriteNumber("bytes_per_step", s.BytesPerStep);
                w.WriteNumber("steps_timed", s.Steps);
                PyTorchFigure? t = Torch(r, s);
                WriteNumberOrNull(w, "pytorch_ms_per_step", t?.Ms);
                WriteNumberOrNull(w, "ratio_to_pytorch", s.BestMs / t?.Ms);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("pytorch");
            w.WriteBoolean("measured", r.PyTorch.Count > 0);
            WriteStringOrNull(w, "version", r.PyTorch.Count > 0 ? r.PyTorch[0].Torch : null);
            WriteStringOrNull(w, "blas", r.PyTorch.Count > 0 ? r.PyTorch[0].Blas : null);
            WriteStringOrNull(w, "note", r.PyTorchNote);
            w.WriteEndObject();
            w.WriteStartArray("gradient_checks");
            foreach (GradCheckFigure g in r.GradChecks)
            {
                w.WriteStartObject();
                w.WriteString("name", g.Name);
                w.WriteNumber("threads", g.Threads);
                w.WriteNumber("entries", g.Entries);
                w.WriteNumber("seconds", g.Seconds);
                w.WriteNumber("entries_per_second", g.EntriesPerSecond);
                WriteNumberOrNull(w, "steps_equivalent", double.IsNaN(g.StepRatio) ? null : g.StepRatio);
                w.WriteString("verdict", g.Verdict);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("jacobian");
            w.WriteNumber("depth", r.Jacobian.Shape.Depth);
            w.WriteNumber("width", r.Jacobian.Shape.Width);
            w.WriteNumber("batch", r.Jacobian.Shape.Batch);
            w.WriteNumber("inputs", r.Jacobian.Inputs);
            w.WriteNumber("seconds", r.Jacobian.Seconds);
            w.WriteNumber("steps_equivalent", r.Jacobian.StepRatio);
            w.WriteNumber("steps_equivalent_low", r.Jacobian.StepRatioLow);
            w.WriteNumber("steps_equivalent_high", r.Jacobian.StepRatioHigh);
            w.WriteNumber("rounds", r.Jacobian.Rounds);
            w.WriteEndObject();
            if (r.Sweep is { } s2)
            {
                w.WriteStartObject("sweep");
                w.WriteString("file", s2.File);
                w.WriteNumber("trials", s2.Trials);
                w.WriteNumber("parallelism", s2.Parallelism);
                w.WriteNumber("seconds", s2.Seconds);
                w.WriteNumber("trials_per_second", s2.TrialsPerSecond);
                w.WriteNumber("failed", s2.Failed);
                WriteNumbers(w, "in_process_seconds", s2.InProcessSeconds);
                WriteNumbers(w, "embedded_seconds", s2.EmbeddedSeconds);
                w.WriteNumber("embedded_median_seconds", s2.EmbeddedMedianSeconds);
                WriteNumbers(w, "embedded_ratios", s2.Ratios);
                WriteNumberOrNull(w, "embedded_warm_median_ratio", double.IsNaN(s2.WarmMedianRatio) ? null : s2.WarmMedianRatio);
                WriteNumbers(w, "in_process_idle_seconds", s2.InProcessIdleSeconds);
                WriteNumbers(w, "embedded_idle_seconds", s2.EmbeddedIdleSeconds);
                WriteNumbers(w, "embedded_trial_ratios", s2.TrialRatios);
                WriteNumberOrNull(w, "embedded_warm_idle_share", double.IsNaN(s2.WarmIdleShare) ? null : s2.WarmIdleShare);
                WriteNumberOrNull(w, "embedded_warm_trial_ratio", double.IsNaN(s2.WarmTrialRatio) ? null : s2.WarmTrialRatio);
                foreach (var (mode, rounds) in new[] { ("in_process", s2.InProcessMemory), ("embedded", s2.EmbeddedMemory) })
                {
                    WriteNumbers(w, $"{mode}_allocated_mb", rounds.Select(m => m.AllocatedMegabytes));
                    WriteNumbers(w, $"{mode}_collections", rounds.Select(m => (double)m.Collections));
                    WriteNumbers(w, $"{mode}_full_collections", rounds.Select(m => (double)m.FullCollections));
                    WriteNumbers(w, $"{mode}_gc_pause_ms", rounds.Select(m => m.PauseMilliseconds));
                }
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("sweep");
            }
            WriteStringOrNull(w, "sweep_note", r.SweepNote);
            w.WriteEndObject();
        }
        o.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static PyTorchFigure? Torch(BenchReport r, StepFigure s) =>
        r.PyTorch.FirstOrDefault(t => t.Shape == s.Shape.Name && t.Threads == s.Threads);

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "F3" : "F1", System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(v);
        }
        w.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
