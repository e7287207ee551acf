using Backprop.Core.Autodiff;
using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

public class PathSumPropertyTests
{
    private static readonly string[] Names = ["x", "y", "z"];
    private static readonly string[] Functions = ["exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "sqrt"];

    [Fact]
    public void Random_expressions_path_sums_equal_backprop_finite_differences_and_their_own_symbolic_form()
    {
        var rng = new Random(4);
        int checkedPaths = 0;
        for (int n = 0; n < 300; n++)
        {
            string text = Generate(rng, 4);
            var point = Names.ToDictionary(v => v, _ => Math.Round((rng.NextDouble() * 3) - 1.5, 3));
            var expr = ExpressionParser.Parse(text);
            var at = point.Where(kv => expr.Variables().Contains(kv.Key)).ToDictionary();
            ExpressionExplanation e;
            try
            {
                e = ExpressionExplanation.Create(text, at, []);
            }
            catch (DomainException)
            {
                continue; // log of a negative, 0^-1: no derivative here
            }

            foreach (var sum in e.PathSums.Where(s => s.Paths is not null))
            {
                double grad = sum.Input.Grad;
                double scale = Math.Max(1, Math.Abs(grad));
                Assert.True(Math.Abs(sum.Value - grad) <= 1e-9 * scale, $"{text} d/d{sum.Input.Name}: paths {sum.Value:R}, backprop {grad:R}");

                // The symbolic sum is a formula of the grammar: evaluated at the point it must give the gradient.
                double symbolic = ExpressionParser.Parse(sum.Symbolic!.Text).Evaluate(at);
                Assert.True(Math.Abs(symbolic - grad) <= 1e-9 * scale, $"{text} d/d{sum.Input.Name}: {sum.Symbolic.Text} = {symbolic:R}, backprop {grad:R}");

                double numeric;
                try
                {
                    string name = sum.Input.Name;
                    numeric = FiniteDifference.Central(t => expr.Evaluate(new Dictionary<string, double>(at) { [name] = t }), at[name]);
                }
                catch (DomainException)
                {
                    continue;
                }

                if (!NearKink(e) && double.IsFinite(numeric))
                {
                    // Rounding in a central difference grows with the largest intermediate value (exp(4/y) near y = 0).
                    double magnitude = e.Nodes.Max(v => Math.Abs(v.Data));
                    Assert.True(Math.Abs(numeric - grad) <= (1e-5 * scale) + (1e-8 * magnitude), $"{text} d/d{sum.Input.Name}: central difference {numeric:R}, backprop {grad:R}");
                }

                checkedPaths++;
            }
        }

        Assert.True(checkedPaths > 300, $"only {checkedPaths} gradients were checked");
    }

    [Fact]
    public void Random_programs_print_path_sums_that_parse_back_and_evaluate_to_the_gradient()
    {
        // Inputs deliberately named like the explainer's own names (u1, c_1), statements rebinding names.
        string[] inputs = ["x", "u1", "c_1"];
        var rng = new Random(29);
        int checkedSums = 0;
        for (int n = 0; n < 150; n++)
        {
            var lines = new List<string>();
            var names = new List<string>(inputs);
            int count = rng.Next(1, 5);
            for (int i = 0; i < count; i++)
            {
                string text = Generate(rng, 2);
                foreach (var (from, to) in new[] { ("x", names[rng.Next(names.Count)]), ("y", names[rng.Next(names.Count)]), ("z", names[rng.Next(names.Count)]) })
                {
                    text = System.Text.RegularExpressions.Regex.Replace(text, $@"\b{from}\b", to);
                }

                string name = rng.Next(3) == 0 && names.Count > inputs.Length ? names[rng.Next(inputs.Length, names.Count)] : $"v{i}";
                lines.Add($"{name} = {text}");
                names.Add(name);
            }

            string program = string.Join(rng.Next(2) == 0 ? "; " : "\n", lines);
            var at = inputs.ToDictionary(v => v, _ => Math.Round((rng.NextDouble() * 3) - 1.5, 3));
            ExpressionExplanation e;
            try
            {
                var used = ExpressionParser.ParseProgram(program).Inputs;
                e = ExpressionExplanation.Create(program, at.Where(kv => used.Contains(kv.Key)).ToDictionary(), [], 200);
            }
            catch (Exception ex) when (ex is DomainException or ExpressionSyntaxException)
            {
                continue; // a domain error at this point, or a statement assigning an input
            }

            var shown = e.Nodes.Where(v => v.Kind != NodeKind.Constant).Select(v => v.Name).ToList();
            Assert.True(shown.Count == shown.Distinct().Count(), $"{program}: names {string.Join(", ", shown)}");
            foreach (var sum in e.PathSums.Where(s => s.Paths is not null))
            {
                double grad = sum.Input.Grad;
                double printed = ExpressionExplanationTests.EvaluatePrinted(sum, at);
                Assert.True(Math.Abs(printed - grad) <= 1e-9 * Math.Max(1, Math.Abs(grad)),
                    $"{program} d/d{sum.Input.Name}: {sum.WhereText} | {sum.Symbolic!.Text} = {printed:R}, backprop {grad:R}");
                checkedSums++;
            }
        }

        Assert.True(checkedSums > 150, $"only {checkedSums} path sums were checked");
    }

    [Fact]
    public void Random_small_networks_path_sums_equal_the_dense_engines_gradient()
    {
        var rng = new Random(11);
        Activation[] activations = [Activation.Identity, Activation.Tanh, Activation.Sigmoid, Activation.Softplus, Activation.Relu, Activation.Gelu];
        int checkedSums = 0;
        for (int n = 0; n < 200; n++)
        {
            int inputs = rng.Next(1, 4);
            var specs = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => new LayerSpec(rng.Next(1, 4), activations[rng.Next(activations.Length)])).ToArray();
            var network = new Mlp(inputs, specs);
            foreach (var layer in network.Layers)
            {
                for (int i = 0; i < layer.Weights.Length; i++)
                {
                    layer.Weights[i] = (rng.NextDouble() * 2) - 1;
                }

                for (int i = 0; i < layer.Biases.Length; i++)
                {
                    layer.Biases[i] = (rng.NextDouble() * 0.4) - 0.2;
                }
            }

            var x = Enumerable.Range(0, inputs).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
            var loss = rng.Next(2) == 0 ? Loss.MeanSquaredError : Loss.SoftmaxCrossEntropy;
            var y = Enumerable.Range(0, network.OutputSize).Select(_ => rng.NextDouble()).ToArray();
            foreach (var wrt in AllParameters(network))
            {
                var sum = NetworkPathSum.Create(network, loss, x, y, wrt, 1000);
                Assert.NotNull(sum.Paths);
                double scale = Math.Max(1e-3, Math.Abs(sum.Backprop));
                Assert.True(Math.Abs(sum.Value - sum.Backprop) <= 1e-12 * scale, $"{wrt.Text}: paths {sum.Value:R}, backprop {sum.Backprop:R}");
                checkedSums++;
            }
        }

        Assert.True(checkedSums > 1000, $"only {checkedSums} path sums were checked");
    }

    internal static IEnumerable<NetworkParameter> AllParameters(Mlp network)
    {
        for (int k = 1; k <= network.InputSize; k++)
        {
            yield return new NetworkParameter(ParameterKind.Input, 0, k, 0);
        }

        for (int l = 1; l <= network.Depth; l++)
        {
            var layer = network.Layers[l - 1];
            for (int j = 1; j <= layer.OutputSize; j++)
            {
                yield return new NetworkParameter(ParameterKind.Bias, l, j, 0);
                for (int k = 1; k <= layer.InputSize; k++)
                {
                    yield return new NetworkParameter(ParameterKind.Weight, l, j, k);
                }
            }
        }
    }

    // Within 1e-3 of a kink (relu, abs, a tie of max or min) the central difference straddles it and is not the derivative.
    private static bool NearKink(ExpressionExplanation e) =>
        e.Nodes.Any(n => n.Node.Op is "relu" or "abs" or "max" or "min"
            && Math.Abs(n.Node.Parents[0].Data - (n.Node.Parents.Count > 1 ? n.Node.Parents[1].Data : 0)) < 1e-3);

    internal static string Generate(Random rng, int depth)
    {
        if (depth == 0 || rng.Next(4) == 0)
        {
            return rng.Next(3) == 0 ? $"{rng.Next(1, 5)}" : Names[rng.Next(Names.Length)];
        }

        string a = Generate(rng, depth - 1);
        string b = Generate(rng, depth - 1);
        return rng.Next(10) switch
        {
            0 => $"({a} + {b})",
            1 => $"({a} - {b})",
            2 => $"{a} * {b}",
            3 => $"({a}) / ({b})",
            4 => $"({a})^{rng.Next(0, 4)}",
            5 => $"-({a})",
            6 => $"log(({a})^2 + 1)",
            7 => $"{(rng.Next(2) == 0 ? "max" : "min")}({a}, {b})",
            8 => $"(({a})^2 + 0.5)^({b})",
            _ => $"{Functions[rng.Next(Functions.Length)]}({a})",
        };
    }
}
