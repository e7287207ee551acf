using System.Globalization;

namespace Backprop.Core.Checking;

/// <summary>
/// The plain-text rendering of a check and of a step-size sweep: a table readable at a glance, the worst
/// entries only where something failed (and the kink crossings), the localisation and one verdict line.
/// Writes to any <see cref="TextWriter"/>; the command and the xunit helper share it.
/// </summary>
public static class GradCheckText
{
    public static string Render(GradCheckReport report)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(writer, report);
        return writer.ToString();
    }

    public static void Write(TextWriter o, GradCheckReport report)
    {
        o.WriteLine($"gradient check ({report.Mode})  {report.Subject}");
        if (report.Error is not null)
        {
            o.WriteLine($"verdict  ERROR: {report.Error}");
            return;
        }
        string precision = report.Options.Precision == Precision.Single ? "float32" : "float64";
        o.WriteLine($"J = {N(report.Loss)}, h = {E(report.Options.Step)}, {precision}, noise floor {E(report.NoiseFloor)}");
        o.WriteLine($"bands for |a - n| / max(|a|, |n|): <= {E(ErrorBands.Excellent)} excellent, <= {E(ErrorBands.Fine)} fine, <= {E(ErrorBands.Suspicious)} suspicious, beyond: wrong");
        if (report.Fast is { } fast)
        {
            o.WriteLine();
            o.WriteLine($"fast check along a random unit direction u: a = g.u = {N(fast.Analytic)}, n = {N(fast.Numeric)}, rel err {E(fast.RelativeError)}: {Status(fast.Verdict)}");
            foreach (DirectionalCheck t in fast.PerTensor)
            {
                o.WriteLine($"  {t.Tensor,-6} alone: a = {N(t.Analytic)}, n = {N(t.Numeric)}, rel err {E(t.RelativeError)}: {Status(t.Verdict)}");
            }
        }
        if (report.Tensors.Count > 0)
        {
            o.WriteLine();
            o.WriteLine($"{"tensor",-8}{"entries",8}{"checked",9}{"max rel err",13}{"mean rel err",14}{"kinks",7}  verdict");
            foreach (TensorCheck t in report.Tensors)
            {
                o.WriteLine($"{t.Name,-8}{t.Size,8}{t.Checked,9}{E(t.MaxRelativeError),13}{E(t.MeanRelativeError),14}{t.KinkCrossings,7}  {Verdict(t)}");
            }
        }
        // Worst entries of the first three flagged tensors only: readable at a glance; --json has them all.
        var flagged = report.Tensors.Where(t => t.Verdict != GradCheckVerdict.Pass || t.KinkCrossings > 0).ToList();
        foreach (TensorCheck t in flagged.Take(3))
        {
            var shown = t.Verdict == GradCheckVerdict.Pass ? t.Worst.Where(e => e.Verdict == EntryVerdict.KinkCrossed).ToList() : t.Worst.ToList();
            o.WriteLine();
            o.WriteLine($"{t.Name}: {t.Description}, {(t.Verdict == GradCheckVerdict.Pass ? "kink crossings" : "worst entries")}");
            o.WriteLine($"  {"entry",-10}{"analytic",16}{"numeric",16}{"difference",14}{"rel err",11}  status");
            foreach (EntryCheck e in shown)
            {
                string sides = e.LeftDifference is { } left ? $" (one-sided {N(left)} | {N(e.RightDifference!.Value)})" : "";
                o.WriteLine($"  {e.Label,-10}{N(e.Analytic),16}{N(e.Numeric),16}{E(e.Difference),14}{E(e.RelativeError),11}  {Status(e.Verdict)}{sides}");
            }
        }
        if (flagged.Count > 3)
        {
            o.WriteLine();
            o.WriteLine($"({flagged.Count - 3} more flagged tensors: {string.Join(", ", flagged.Skip(3).Select(t => t.Name))}; --json lists every tensor's worst entries)");
        }
        if (report.Localization is { } localization)
        {
            o.WriteLine();
            o.WriteLine("localisation (the loss gradient and each layer's backward rule checked on its own, in backward order):");
            if (localization.Findings.Count == 0)
            {
                o.WriteLine($"  {localization.Summary}");
            }
            foreach (LocalFinding f in localization.Findings)
            {
                o.WriteLine($"  {f.Message}");
            }
        }
        if (report.Notes.Count > 0)
        {
            o.WriteLine();
            foreach (string note in report.Notes)
            {
                o.WriteLine($"note: {note}");
            }
        }
        o.WriteLine();
        o.WriteLine($"verdict  {VerdictLine(report)}");
    }

    public static string VerdictLine(GradCheckReport report)
    {
        if (report.Error is not null)
        {
            return $"ERROR: {report.Error}";
        }
        string worst = report.Tensors.Count == 0 ? "" : report.Tensors.MaxBy(t => t.MaxRelativeError) is { } w ? $" (worst judged entry: {w.Name}, rel err {E(w.MaxRelativeError)})" : "";
        return report.Verdict switch
        {
            GradCheckVerdict.Pass => $"PASS{worst}",
            GradCheckVerdict.Suspicious => $"SUSPICIOUS{worst}",
            _ when report.Localization?.First is { } first => $"FAIL: {first.Message}",
            _ => $"FAIL: {string.Join(", ", report.Tensors.Where(t => t.Verdict == GradCheckVerdict.Fail).Select(t => t.Name))} disagree with the finite differences"
                + (report.Localization is null ? "" : ", yet every backward rule is right on its own: suspect the finite differences (see the notes)"),
        };
    }

    public static void Write(TextWriter o, StepSweepResult sweep)
    {
        o.WriteLine($"step-size sweep  {sweep.Subject}");
        o.WriteLine($"J = {N(sweep.Loss)}, {(sweep.Precision == Precision.Single ? "float32" : "float64")}; bar length ~ log10(rel err) (longer = worse)");
        foreach (SweepSeries s in sweep.Series)
        {
            o.WriteLine();
            o.WriteLine($"{s.Entry}  analytic {N(s.Analytic)}");
            o.WriteLine($"  {"h",7}{"numeric",18}{"rel err",11}");
            foreach (SweepPoint p in s.Points)
            {
                int bar = (int)Math.Clamp(Math.Round(3 * (Math.Log10(Math.Max(p.RelativeError, 1e-17)) + 17)), 0, 60);
                string mark = p == s.Best ? " <- best" : "";
                o.WriteLine($"  {E(p.Step),7}{N(p.Numeric),18}{E(p.RelativeError),11}  {new string('#', bar)}{mark}");
            }
            o.WriteLine($"  best h = {E(s.Best.Step)} (rel err {E(s.Best.RelativeError)}): above it truncation (~h^2) dominates, below it rounding (~eps |J| / h)");
        }
    }

    private static string Verdict(TensorCheck t) => t.Verdict switch
    {
        GradCheckVerdict.Pass => t.MaxRelativeError <= ErrorBands.Excellent ? "pass (excellent)" : "pass (fine)",
        GradCheckVerdict.Suspicious => "SUSPICIOUS",
        _ => $"FAIL ({t.Failures} of {t.Checked} wrong)",
    };

    public static string Status(EntryVerdict verdict) => verdict switch
    {
        EntryVerdict.Pass => "pass",
        EntryVerdict.BelowNoise => "below noise",
        EntryVerdict.KinkCrossed => "kink crossed",
        EntryVerdict.Suspicious => "suspicious",
        _ => "WRONG",
    };

    private static string N(double value) => value.ToString("G8", CultureInfo.InvariantCulture);

    private static string E(double value) => value.ToString("0.0E+00", CultureInfo.InvariantCulture);
}
