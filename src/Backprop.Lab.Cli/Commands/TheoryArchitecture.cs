using System.CommandLine;
using System.Text.Json;
using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The architecture options of <c>lab theory</c> (--architecture, --depth, --block-depth, --residual-scale, --block-form,
/// --norm) and the per-layer and per-block prediction they print, next to a plain network of the same depth
/// (<see cref="ArchitectureTheory"/>).
/// </summary>
internal sealed class TheoryArchitecture
{
    private readonly Option<string> _architecture = new("--architecture")
    {
        Description = "Network shape for the per-layer prediction: plain, or residual (a stem, then blocks of --block-depth layers).",
    };
    private readonly Option<int?> _depth = new("--depth")
    {
        HelpName = "D",
        Description = "Hidden layers (the stem and the blocks' layers); default 9 for plain, 1 + 4 x block depth for residual.",
    };
    private readonly Option<int?> _blockDepth = new("--block-depth") { HelpName = "K", Description = "Layers per residual block; default 2." };
    private readonly Option<string?> _residualScale = new("--residual-scale")
    {
        HelpName = "ALPHA",
        Description = "alpha in x + alpha F(x): a number, or 1/sqrt(L), c/sqrt(L), 1/L, c/L with L the number of blocks; default 1.",
    };
    private readonly Option<string?> _blockForm = new("--block-form") { Description = "pre: x + alpha F(x) (default); post: phi(x + alpha z)." };
    private readonly Option<string> _norm = new("--norm") { Description = "Layernorm on every hidden layer, or none (default)." };

    public void AddTo(Command command)
    {
        _architecture.AcceptOnlyFromAmong("plain", "residual");
        _blockForm.AcceptOnlyFromAmong("pre", "post");
        _norm.AcceptOnlyFromAmong("none", "layernorm");
        foreach (Option option in new Option[] { _architecture, _depth, _blockDepth, _residualScale, _blockForm, _norm })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The requested shape and depth, or null when no architecture option was given (the fixed-point report alone).</summary>
    public (MeanFieldArchitecture Architecture, int Depth)? Parse(ParseResult parse)
    {
        string? shape = parse.GetValue(_architecture), form = parse.GetValue(_blockForm), scale = parse.GetValue(_residualScale), norm = parse.GetValue(_norm);
        int? depth = parse.GetValue(_depth), k = parse.GetValue(_blockDepth);
        if (shape is null && norm is null && depth is null && k is null && scale is null && form is null)
        {
            return null;
        }
        bool residual = shape == "residual", layerNorm = norm == "layernorm";
        if (!residual && (k is not null || scale is not null || form is not null))
        {
            throw new UserInputException("--block-depth, --residual-scale and --block-form apply to --architecture residual");
        }
        int blockDepth = k ?? 2;
        if (residual && blockDepth < 1)
        {
            throw new UserInputException($"--block-depth must be at least 1, got {blockDepth}");
        }
        int d = depth ?? (residual ? 1 + 4 * blockDepth : 9);
        if (d < 1 || d > MaxDepth)
        {
            throw new UserInputException($"--depth must be between 1 and {MaxDepth}, got {d}");
        }
        if (!residual)
        {
            return (MeanFieldArchitecture.Plain(layerNorm), d);
        }
        if ((d - 1) % blockDepth != 0)
        {
            throw new UserInputException(
                $"--depth {d}: a residual network has a stem and blocks of --block-depth {blockDepth} layers, so depth - 1 must be a multiple of {blockDepth}");
        }
        if (!MeanFieldArchitecture.TryParseResidualScale(scale ?? "1", (d - 1) / blockDepth, out double alpha, out string problem))
        {
            throw new UserInputException($"--residual-scale: {problem}");
        }
        if (alpha > 1e3)
        {
            throw new UserInputException($"--residual-scale must be at most 1000, got {Format.Number(alpha)}");
        }
        return (MeanFieldArchitecture.Residual(blockDepth, alpha, form == "post", layerNorm), d);
    }

    private const int MaxDepth = 100_000;

    public static void WriteText(TextWriter o, ArchitecturePrediction p, ArchitecturePrediction plain)
    {
        const string indent = "          ";
        string n(double x) => double.IsPositiveInfinity(x) ? "infinity" : Format.Number(x);
        MeanFieldArchitecture a = p.Architecture;
        int blocks = a.IsResidual ? (p.Depth - 1) / a.BlockDepth : 0;
        o.WriteLine();
        o.WriteLine($"architecture: {a}; {p.Depth} hidden layers{(a.IsResidual ? $": a stem and {blocks} block{(blocks == 1 ? "" : "s")} of {a.BlockDepth}" : "")}");
        if (p.NoClosedForm is string reason)
        {
            o.WriteLine($"{indent}no closed form: {reason}");
        }
        o.WriteLine($"{indent}q: variance of phi's input; gradient: E||dJ/d(output of the layer)||^2 relative to the top hidden layer's");
        o.WriteLine(a.IsResidual
            ? $"{indent}(the last layer of a block outputs the stream x_(b+1)); plain: a plain network of the same depth, no norm"
            : $"{indent}plain: the same network without a norm");
        // Columns: layer, its block (residual only), this shape's q and gradient (when there is a closed form), the plain net's.
        var rows = new List<string[]>
        {
            Row("layer", a.IsResidual ? "block" : null, p.HasClosedForm ? ["q", "gradient"] : [], "plain q", "plain gradient"),
        };
        for (int l = 0; l < p.Depth; l++)
        {
            LayerPrediction pl = plain.Layers[l];
            string? block = !a.IsResidual ? null : l == 0 ? "stem" : $"{(l - 1) / a.BlockDepth + 1}";
            rows.Add(Row($"{l + 1}", block, p.HasClosedForm ? [n(p.Layers[l].Q), n(p.Layers[l].OutputGradient)] : [], n(pl.Q), n(pl.OutputGradient)));
        }
        Table(o, indent, rows);
        if (p.Blocks.Count > 0)
        {
            o.WriteLine("per block: the stream x_b going in, its mean square p_b and mean mu_b, and chi_block = 1 + alpha^2 prod chi_i:");
            var blockRows = new List<string[]> { new[] { "block", "p_b", "mu_b", "chi_block", "E||dJ/dx_b||^2" } };
            blockRows.AddRange(p.Blocks.Select(b => new[] { $"{b.Block}", n(b.InputMeanSquare), n(b.InputMean), n(b.Factor), n(b.InputGradient) }));
            Table(o, indent, blockRows);
        }
        if (p.LogSlope is double slope)
        {
            o.WriteLine($"slope   = {n(slope)} per layer (plain: {(plain.LogSlope is double s ? n(s) : "none")})");
            o.WriteLine($"{indent}ln of the per-layer factor on E||dJ/dx||^2 going back (> 0 grows towards the input), {Origin(a)}");
        }
        else if (p.HasClosedForm)
        {
            o.WriteLine($"slope   = none: {p.NoSlopeReason}");
        }
    }

    public static void WriteJson(Utf8JsonWriter w, ArchitecturePrediction p, ArchitecturePrediction plain)
    {
        MeanFieldArchitecture a = p.Architecture;
        w.WriteStartObject("architecture");
        w.WriteString("architecture", a.IsResidual ? "residual" : "plain");
        w.WriteNumber("depth", p.Depth);
        if (a.IsResidual)
        {
            w.WriteNumber("block_depth", a.BlockDepth);
            w.WriteNumber("residual_scale", a.ResidualScale);
            w.WriteString("block_form", a.PostForm ? "post" : "pre");
        }
        w.WriteString("norm", a.LayerNorm ? "layernorm" : "none");
        w.WriteString("no_closed_form", p.NoClosedForm);
        w.WriteStartArray("layers");
        foreach (LayerPrediction l in p.Layers)
        {
            w.WriteStartObject();
            w.WriteNumber("layer", l.Layer);
            w.WriteNumber("block", l.Block);
            TheoryCommand.WriteNumber(w, "q", l.Q);
            TheoryCommand.WriteNumber(w, "gradient", l.OutputGradient);
            TheoryCommand.WriteNumber(w, "delta", l.PreActivationGradient);
            TheoryCommand.WriteNumber(w, "plain_q", plain.Layers[l.Layer - 1].Q);
            TheoryCommand.WriteNumber(w, "plain_gradient", plain.Layers[l.Layer - 1].OutputGradient);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("blocks");
        foreach (BlockPrediction b in p.Blocks)
        {
            w.WriteStartObject();
            w.WriteNumber("block", b.Block);
            TheoryCommand.WriteNumber(w, "p", b.InputMeanSquare);
            TheoryCommand.WriteNumber(w, "mu", b.InputMean);
            TheoryCommand.WriteNumber(w, "chi_block", b.Factor);
            TheoryCommand.WriteNumber(w, "gradient", b.InputGradient);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (p.LogSlope is double slope)
        {
            w.WriteNumber("log_slope", slope);
        }
        else
        {
            w.WriteNull("log_slope");
        }
        w.WriteString("no_slope_reason", p.NoSlopeReason);
        w.WriteEndObject();
    }

    public static ArchitecturePrediction Plain(Activation phi, double sw2, double sb2, int depth, double q0) =>
        ArchitectureTheory.Predict(phi, sw2, sb2, depth, MeanFieldArchitecture.Plain(), q0);

    private static string Origin(MeanFieldArchitecture a) =>
        a.IsResidual ? "ln(chi_block)/k: the same chi_block in every block" : a.LayerNorm ? "ln chi_LN at q ~ 1" : "ln chi1 at q*";

    private static string[] Row(string layer, string? block, string[] shape, string plainQ, string plainGradient) =>
        [layer, .. block is null ? Array.Empty<string>() : [block], .. shape, plainQ, plainGradient];

    private static void Table(TextWriter o, string indent, List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] r in rows)
        {
            o.WriteLine((indent + string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c])))).TrimEnd());
        }
    }
}
