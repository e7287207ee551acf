using System.CommandLine;
using System.Globalization;
using Backprop.Core.Autodiff;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab explain "EXPR" --at x=1,y=2 [--wrt x]</c> and <c>lab explain --net NET_FILE [--data BATCH_FILE] --wrt x2</c>:
/// the chain rule step by step, the graph as DOT/SVG/PNG, and derivatives as sums over paths.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create(TextWriter stdout)
    {
        var expression = new Argument<string?>("EXPR")
        {
            Description = "A formula such as \"z = (3*x + 4*y)^3\" (+ - * / ^, pi, e, " + string.Join(" ", ExpressionParser.KnownFunctions) +
                "; relu and abs have a kink at 0, max and min where their arguments tie), or statements such as \"a = x*y; z = a*a + a\" " +
                "separated by ; or line breaks, the last one the output; - reads it from standard input; omit it with --file or --net.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var at = new Option<string?>("--at") { HelpName = "NAME=VALUE[,NAME=VALUE]", Description = "The point: a value for every variable of EXPR (with --net and no --data: input values x1=..,x2=.., default 0)." };
        var wrt = new Option<string?>("--wrt") { HelpName = "NAME[,NAME]", Description = "Explain only these gradients: variables of EXPR, or with --net x2, w12[1] (w_jk^[l]), b1[2] (b_j^[l])." };
        var file = new Option<string?>("--file", "-f")
        {
            HelpName = "FILE",
            Description = $"Read the formula or program from FILE (- for standard input), at most {FormulaSource.MaxBytes >> 10} KB; for text longer than a command line takes.",
        };
        var net = new Option<FileInfo?>("--net") { HelpName = "NET_FILE", Description = "Explain a network file instead of a formula." };
        var data = new Option<FileInfo?>("--data", "-d") { HelpName = "BATCH_FILE", Description = "With --net: the batch whose loss is differentiated (one example, see --example)." };
        var example = new Option<int>("--example") { HelpName = "N", Description = "With --data: which example (1-based) to explain.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "text or markdown (with LaTeX math).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown");
        var maxPaths = new Option<int>("--max-paths") { HelpName = "N", Description = "List paths one by one up to N; beyond, summarise.", DefaultValueFactory = _ => ExpressionExplanation.DefaultPathLimit };
        var dot = new Option<FileInfo?>("--dot") { HelpName = "FILE", Description = "Write the graph (forward and backward views) as Graphviz DOT." };
        var svg = new Option<FileInfo?>("--svg") { HelpName = "FILE", Description = "Render the graph to SVG (needs Graphviz 'dot'; Debian package graphviz)." };
        var png = new Option<FileInfo?>("--png") { HelpName = "FILE", Description = "Render the graph to PNG (needs Graphviz 'dot'; Debian package graphviz)." };

        var command = new Command("explain", "Show the chain rule step by step for a formula or a network: forward values, backward pass, sums over paths, and the graph.");
        command.Arguments.Add(expression);
        foreach (var option in new Option[] { at, wrt, file, net, data, example, format, maxPaths, dot, svg, png })
        {
            command.Options.Add(option);
        }

        Output.MaxOutputOption.AddTo(command);
        command.SetAction(parse =>
        {
            string? text = FormulaSource.Read(parse.GetValue(expression), parse.GetValue(file));
            FileInfo? netFile = parse.GetValue(net);
            int limit = parse.GetValue(maxPaths);
            if (limit < 1)
            {
                throw new UserInputException($"--max-paths must be at least 1, got {limit}");
            }
            if ((text is null) == (netFile is null))
            {
                throw new UserInputException("give either a formula (lab explain \"z = (3*x + 4*y)^3\" --at x=1,y=2, or --file FILE) or --net NET_FILE, not both or neither");
            }

            var graphFiles = new ExplainGraphviz(parse.GetValue(dot), parse.GetValue(svg), parse.GetValue(png));
            graphFiles.CheckRenderer();
            var point = ParsePoint(parse.GetValue(at));
            var names = ParseNames(parse.GetValue(wrt));
            bool markdown = parse.GetValue(format) == "markdown";
            if (text is not null)
            {
                if (parse.GetValue(data) is not null)
                {
                    throw new UserInputException("--data goes with --net; a formula takes its point from --at");
                }

                // Each step of a listed path prints at least a name, a local derivative and its value (some 8 bytes): a
                // listing with more steps than that would be cut by --max-output, so it is counted instead of built.
                double stepLimit = Output.MaxOutputOption.Resolve(parse) is long bytes && bytes < long.MaxValue ? bytes / 8.0 : double.PositiveInfinity;
                var explanation = Explain(() => ExpressionExplanation.Create(text, point, names, limit, stepLimit), text);
                if (markdown)
                {
                    ExplainMarkdown.Write(stdout, explanation, point);
                }
                else
                {
                    ExplainExpressionText.Write(stdout, explanation, point);
                }
                graphFiles.Write(stdout, () => ExpressionGraph.Dot(explanation));
            }
            else
            {
                ExplainNetworkRun.Run(stdout, netFile!, parse.GetValue(data), parse.GetValue(example), point, names, limit, markdown, graphFiles);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs a teaching computation, turning the errors a user can cause into exit code 2.</summary>
    internal static T Explain<T>(Func<T> build, string? formula = null)
    {
        try
        {
            return build();
        }
        catch (ExpressionSyntaxException e)
        {
            // The offending line again with a caret under the column, as compilers point at a syntax error.
            string? line = formula?.Split('\n').ElementAtOrDefault(e.Line - 1)?.TrimEnd('\r');
            string caret = line is null ? "" : $"{Environment.NewLine}  {line}{Environment.NewLine}  {new string(' ', Math.Max(0, e.Column - 1))}^";
            throw new UserInputException($"cannot parse the formula: {e.Message}{caret}");
        }
        catch (Exception e) when (e is UnknownVariableException or DomainException or TeachingInputException)
        {
            throw new UserInputException(e.Message);
        }
    }

    private static Dictionary<string, double> ParsePoint(string? text)
    {
        var point = new Dictionary<string, double>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return point;
        }

        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string name = eq > 0 ? part[..eq].Trim() : "";
            if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                throw new UserInputException($"--at expects NAME=NUMBER pairs separated by commas, such as x=1,y=2; '{part}' is not one");
            }
            if (!point.TryAdd(name, value))
            {
                throw new UserInputException($"--at gives {name} twice");
            }
        }
        return point;
    }

    private static List<string> ParseNames(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
}
