using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab theory --activation tanh --sw2 1.5 --sb2 0.05</c>: the mean-field prediction for a wide random network
/// (Poole et al. 2016; Schoenholz et al. 2017): q*, chi1, the gradient depth scale and the critical sigma_w^2 at that
/// sigma_b^2, each with a line saying what it means.
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
        var sw2 = new Option<double?>("--sw2") { Description = "Weight variance sigma_w^2 (weights ~ N(0, sigma_w^2 / fan_in)); default 1." };
        var sw = new Option<double?>("--sw") { Description = "Weight scale sigma_w, instead of --sw2." };
        var sb2 = new Option<double>("--sb2") { Description = "Bias variance sigma_b^2.", DefaultValueFactory = _ => 0.0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("theory", "Mean-field prediction: fixed point q*, chi1, gradient depth scale and the order/chaos boundary.");
        command.Options.Add(activation);
        command.Options.Add(sw2);
        command.Options.Add(sw);
        command.Options.Add(sb2);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            string name = parse.GetRequiredValue(activation);
            if (!ActivationName.TryParse(name, out Activation phi, out string problem))
            {
                throw new UserInputException($"--activation: {problem}");
            }
            double? w2 = parse.GetValue(sw2), w = parse.GetValue(sw);
            if (w2 is not null && w is not null)
            {
                throw new UserInputException("give either --sw2 (sigma_w^2) or --sw (sigma_w), not both");
            }
            double weightVariance = w is double sigma ? Variance("--sw", sigma) * sigma : Variance("--sw2", w2 ?? 1.0);
            double biasVariance = Variance("--sb2", parse.GetValue(sb2));
            MeanFieldPrediction p = MeanField.Predict(phi, weightVariance, biasVariance);
            double? critical = CriticalLine.CriticalSw2(phi, biasVariance);
            if (parse.GetValue(json))
            {
                WriteJson(stdout, p, critical);
            }
            else
            {
                WriteText(stdout, p, critical);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A variance (or scale) the theory can use: finite, >= 0, and small enough that q stays representable.</summary>
    private static double Variance(string flag, double value) =>
        value >= 0 && value <= 1e6 ? value : throw new UserInputException($"{flag} must be a number in [0, 1e6], got {value.ToString(CultureInfo.InvariantCulture)}");

    private static void WriteText(TextWriter o, MeanFieldPrediction p, double? critical)
    {
        string n(double x) => Format.Number(x);
        o.WriteLine($"mean-field theory for {p.Activation}, sigma_w^2 = {n(p.Sw2)}, sigma_b^2 = {n(p.Sb2)} (Poole et al. 2016; Schoenholz et al. 2017)");
        o.WriteLine();
        o.WriteLine(p.QDiverges ? "q*    = none (q diverges)" : $"q*    = {n(p.Q)}");
        o.WriteLine(p.QDiverges
            ? "        q = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2 has no finite fixed point: pre-activation variance grows without bound with depth"
            : "        fixed point of q = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2: the pre-activation variance deep layers settle at");
        o.WriteLine($"chi1  = {n(p.Chi1)}  ({Describe(p.Regime)}){(p.QDiverges ? " in the limit q -> infinity" : "")}");
        o.WriteLine("        sigma_w^2 E[phi'(sqrt(q*) z)^2]: each layer going back multiplies E||delta||^2 by chi1; < 1 ordered (vanishing), > 1 chaotic (exploding)");
        o.WriteLine(p.Regime switch
        {
            GradientRegime.Ordered => $"xi    = {n(p.XiGrad)} layers (vanishing)",
            GradientRegime.Chaotic => $"xi    = {n(p.XiGrad)} layers (exploding)",
            _ => "xi    = infinite (critical)",
        });
        o.WriteLine(p.Regime switch
        {
            GradientRegime.Ordered => "        -1/ln(chi1): gradients shrink by a factor e every xi layers towards the input",
            GradientRegime.Chaotic => "        1/ln(chi1): gradients grow by a factor e every xi layers towards the input",
            _ => "        -1/ln(chi1) is infinite at chi1 = 1: gradients neither vanish nor explode exponentially",
        });
        o.WriteLine(critical is double c ? $"critical sigma_w^2 = {n(c)} at sigma_b^2 = {n(p.Sb2)}" : $"critical sigma_w^2 = none found in [1e-12, 1e8] at sigma_b^2 = {n(p.Sb2)}");
        o.WriteLine("        the order/chaos boundary (chi1 = 1): smaller sigma_w^2 is ordered, larger is chaotic");
    }

    private static string Describe(GradientRegime regime) => regime switch
    {
        GradientRegime.Ordered => "ordered: gradients vanish",
        GradientRegime.Chaotic => "chaotic: gradients explode",
        _ => "critical",
    };

    private static void WriteJson(TextWriter o, MeanFieldPrediction p, double? critical)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("activation", p.Activation.ToString());
            w.WriteNumber("sw2", p.Sw2);
            w.WriteNumber("sb2", p.Sb2);
            // As in `lab grad --json`: non-finite numbers are the strings "Infinity" / "NaN"; no critical point is null.
            WriteNumber(w, "q_star", p.Q);
            w.WriteBoolean("q_diverges", p.QDiverges);
            WriteNumber(w, "chi1", p.Chi1);
            w.WriteString("regime", p.Regime.ToString().ToLowerInvariant());
            WriteNumber(w, "depth_scale", p.XiGrad);
            if (critical is double c)
            {
                w.WriteNumber("critical_sw2", c);
            }
            else
            {
                w.WriteNull("critical_sw2");
            }
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
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
