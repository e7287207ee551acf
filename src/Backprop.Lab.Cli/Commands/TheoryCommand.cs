using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab theory --activation tanh --sw2 1.5 --sb2 0.05</c>: the mean-field prediction for a wide random network
/// (Poole et al. 2016; Schoenholz et al. 2017): every fixed point of the length map and the one the inputs flow to, q*,
/// chi1 and the gradient depth scale, the correlation fixed point c*, chi_c and the correlation depth scale, and the
/// critical sigma_w^2 at that sigma_b^2, each with a line saying what it means. With --architecture, --norm or --depth it also
/// prints the per-layer prediction for that shape next to a plain network's (<see cref="TheoryArchitecture"/>).
/// </summary>
internal static class TheoryCommand
{
    public static Command Create(TextWriter stdout)
    {
        var activation = new Option<string>("--activation", "-a")
        {
            HelpName = "NAME",
            Description = $"phi: {string.Join(", ", Activation.Names)}.",
            DefaultValueFactory = _ => "tanh",
        };
        var sw2 = new Option<double?>("--sw2") { HelpName = "VARIANCE", Description = "Weight variance sigma_w^2 (weights ~ N(0, sigma_w^2 / fan_in)); default 1." };
        var sw = new Option<double?>("--sw") { HelpName = "STD", Description = "Weight std sigma_w, instead of --sw2." };
        var sb2 = new Option<double?>("--sb2") { HelpName = "VARIANCE", Description = "Bias variance sigma_b^2 (biases ~ N(0, sigma_b^2)); default 0." };
        var sb = new Option<double?>("--sb") { HelpName = "STD", Description = "Bias std sigma_b, instead of --sb2." };
        var q0 = new Option<double>("--q0")
        {
            HelpName = "Q0",
            Description = "Mean square of the inputs, ||x||^2/n (1 for standardised inputs): the first layer's variance is "
                + "q^1 = sigma_w^2 q0 + sigma_b^2, and q flows from there to one of the fixed points.",
            DefaultValueFactory = _ => 1.0,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("theory", "Mean-field prediction: fixed points q*, chi1, depth scales and the order/chaos boundary.");
        command.Options.Add(activation);
        command.Options.Add(sw2);
        command.Options.Add(sw);
        command.Options.Add(sb2);
        command.Options.Add(sb);
        command.Options.Add(q0);
        command.Options.Add(json);
        var architecture = new TheoryArchitecture();
        architecture.AddTo(command);
        Output.MaxOutputOption.AddTo(command);
        command.SetAction(parse =>
        {
            string name = parse.GetRequiredValue(activation);
            if (!ActivationName.TryParse(name, out Activation phi, out string problem))
            {
                throw new UserInputException($"--activation: {problem}");
            }
            double weightVariance = VarianceOf(parse.GetValue(sw), "--sw", parse.GetValue(sw2), "--sw2", 1.0);
            double biasVariance = VarianceOf(parse.GetValue(sb), "--sb", parse.GetValue(sb2), "--sb2", 0.0);
            double inputs = Variance("--q0", parse.GetValue(q0));
            MeanFieldPrediction p = MeanField.Predict(phi, weightVariance, biasVariance, inputs);
            double? critical = CriticalLine.CriticalSw2(phi, biasVariance, inputs);
            (ArchitecturePrediction Shape, ArchitecturePrediction Plain)? layers = architecture.Parse(parse) is var (shape, depth)
                ? (ArchitectureTheory.Predict(phi, weightVariance, biasVariance, depth, shape, inputs), TheoryArchitecture.Plain(phi, weightVariance, biasVariance, depth, inputs))
                : null;
            if (parse.GetValue(json))
            {
                WriteJson(stdout, p, inputs, critical, layers is var (a, b) ? w => TheoryArchitecture.WriteJson(w, a, b) : null);
            }
            else
            {
                WriteText(stdout, p, inputs, critical);
                if (layers is var (a, b))
                {
                    TheoryArchitecture.WriteText(stdout, a, b);
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A variance given as a std (squared here) or as a variance; at most one of the two.</summary>
    private static double VarianceOf(double? std, string stdFlag, double? variance, string varianceFlag, double fallback)
    {
        if (std is not null && variance is not null)
        {
            throw new UserInputException($"give either {stdFlag} (the std) or {varianceFlag} (the variance), not both");
        }
        return std is double sigma ? Variance(stdFlag, sigma) * sigma : Variance(varianceFlag, variance ?? fallback);
    }

    /// <summary>A variance (or scale) the theory can use: finite, >= 0, and small enough that q stays representable.</summary>
    private static double Variance(string flag, double value) =>
        value >= 0 && value <= 1e6 ? value : throw new UserInputException($"{flag} must be a number in [0, 1e6], got {value.ToString(CultureInfo.InvariantCulture)}");

    private static void WriteText(TextWriter o, MeanFieldPrediction p, double q0, double? critical)
    {
        string n(double x) => double.IsPositiveInfinity(x) ? "infinity" : Format.Number(x);
        const string indent = "          ";
        o.WriteLine($"mean-field theory for {p.Activation}, sigma_w^2 = {n(p.Sw2)}, sigma_b^2 = {n(p.Sb2)}, inputs' mean square q0 = {n(q0)} (Poole et al. 2016; Schoenholz et al. 2017)");
        o.WriteLine();
        o.WriteLine("fixed points of the length map q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2 (slope: its derivative there):");
        var rows = new List<string[]> { new[] { "q", "stability", "slope", "chi1", "" } };
        for (int i = 0; i < p.FixedPoints.Count; i++)
        {
            VarianceFixedPoint f = p.FixedPoints[i];
            rows.Add([n(f.Q), f.Stability.ToString().ToLowerInvariant(), n(f.Slope), n(f.Chi1), i == p.Reached ? $"<- reached from q^1 = {n(p.Q1)}" : ""]);
        }
        int[] widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] r in rows)
        {
            o.WriteLine((indent + string.Join("  ", r.Take(4).Select((cell, c) => cell.PadRight(widths[c]))) + "  " + r[4]).TrimEnd());
        }
        o.WriteLine(p.QDiverges ? "q*      = none (q diverges)" : $"q*      = {n(p.Q)}");
        o.WriteLine(p.QDiverges
            ? $"{indent}from q^1 = sigma_w^2 q0 + sigma_b^2 the pre-activation variance grows without bound with depth"
            : p.FixedPoints[p.Reached].Stability == FixedPointStability.Neutral
                ? $"{indent}the map is q -> q: every layer keeps q^1 = sigma_w^2 q0 + sigma_b^2"
                : $"{indent}the pre-activation variance deep layers settle at, from q^1 = sigma_w^2 q0 + sigma_b^2");
        o.WriteLine($"chi1    = {n(p.Chi1)}  ({Describe(p.Regime)}){(p.QDiverges ? " in the limit q -> infinity" : "")}");
        o.WriteLine($"{indent}sigma_w^2 E[phi'(sqrt(q*) z)^2]: each layer going back multiplies E||delta||^2 by chi1; < 1 ordered (vanishing), > 1 chaotic (exploding)");
        o.WriteLine(p.Regime switch
        {
            GradientRegime.Ordered => $"xi_grad = {n(p.XiGrad)} layers (vanishing)",
            GradientRegime.Chaotic => $"xi_grad = {n(p.XiGrad)} layers (exploding)",
            _ => "xi_grad = infinite (critical)",
        });
        o.WriteLine(p.Regime switch
        {
            GradientRegime.Ordered => $"{indent}-1/ln(chi1): gradients shrink by a factor e every xi_grad layers towards the input",
            GradientRegime.Chaotic => $"{indent}1/ln(chi1): gradients grow by a factor e every xi_grad layers towards the input",
            _ => $"{indent}-1/ln(chi1) is infinite at chi1 = 1: gradients neither vanish nor explode exponentially",
        });
        o.WriteLine($"c*      = {n(p.CStar)}");
        o.WriteLine(p.QDiverges
            ? $"{indent}as q diverges the correlation map tends to a scale-free one whose fixed point c = 1 has slope 1"
            : $"{indent}fixed point of c -> (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q*, u1, u2 ~ N(0, q*) with correlation c: "
                + "where two inputs' correlation settles; 1 in the ordered phase");
        o.WriteLine($"chi_c   = {n(p.ChiC)}");
        o.WriteLine($"{indent}sigma_w^2 E[phi'(u1) phi'(u2)] at c*: the correlation map's slope there (chi1 when c* = 1)");
        o.WriteLine(double.IsPositiveInfinity(p.XiC) ? "xi_c    = infinite" : $"xi_c    = {n(p.XiC)} layers");
        o.WriteLine(double.IsPositiveInfinity(p.XiC)
            ? $"{indent}-1/ln(chi_c): correlations approach c* slower than exponentially, so mean-field theory sets no depth limit"
            : $"{indent}-1/ln(chi_c): correlations approach c* by a factor e every xi_c layers; networks train to about 6 xi_c = {n(p.TrainableDepth)} layers");
        o.WriteLine(critical is double c
            ? $"critical sigma_w^2 = {n(c)} at sigma_b^2 = {n(p.Sb2)}, q0 = {n(q0)}"
            : $"critical sigma_w^2 = none found in [1e-12, 1e8] at sigma_b^2 = {n(p.Sb2)}, q0 = {n(q0)}");
        o.WriteLine($"{indent}the order/chaos boundary (chi1 = 1 at the fixed point reached): smaller sigma_w^2 is ordered, larger is chaotic");
    }

    private static string Describe(GradientRegime regime) => regime switch
    {
        GradientRegime.Ordered => "ordered: gradients vanish",
        GradientRegime.Chaotic => "chaotic: gradients explode",
        _ => "critical",
    };

    private static void WriteJson(TextWriter o, MeanFieldPrediction p, double q0, double? critical, Action<Utf8JsonWriter>? architecture)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("activation", p.Activation.ToString());
            w.WriteNumber("sw2", p.Sw2);
            w.WriteNumber("sb2", p.Sb2);
            w.WriteNumber("q0", q0);
            w.WriteNumber("q1", p.Q1);
            // As in `lab grad --json`: non-finite numbers are the strings "Infinity" / "NaN"; no critical point is null.
            w.WriteStartArray("fixed_points");
            foreach (VarianceFixedPoint f in p.FixedPoints)
            {
                w.WriteStartObject();
                WriteNumber(w, "q", f.Q);
                w.WriteString("stability", f.Stability.ToString().ToLowerInvariant());
                WriteNumber(w, "slope", f.Slope);
                WriteNumber(w, "chi1", f.Chi1);
                w.WriteBoolean("reached", ReferenceEquals(f, p.FixedPoints[p.Reached]));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteNumber(w, "q_star", p.Q);
            w.WriteBoolean("q_diverges", p.QDiverges);
            WriteNumber(w, "chi1", p.Chi1);
            w.WriteString("regime", p.Regime.ToString().ToLowerInvariant());
            WriteNumber(w, "xi_grad", p.XiGrad);
            WriteNumber(w, "c_star", p.CStar);
            WriteNumber(w, "chi_c", p.ChiC);
            WriteNumber(w, "xi_c", p.XiC);
            WriteNumber(w, "trainable_depth", p.TrainableDepth);
            if (critical is double c)
            {
                w.WriteNumber("critical_sw2", c);
            }
            else
            {
                w.WriteNull("critical_sw2");
            }
            architecture?.Invoke(w);
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    internal static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
