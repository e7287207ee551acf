using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class GradientPropertyTests
{
    private static readonly string[] Names = ["x", "y", "z"];
    private static readonly double[] Constants = [0.25, 0.5, 1, 1.5, 2, 3];
    private static readonly double[] Exponents = [0, 2, 3, -1, -2, 0.5, 1.5];

    [Fact]
    public void RandomExpressions_GradientsMatchCentralDifferences()
    {
        var rng = new Random(20240607);
        int checkedGradients = 0;
        for (int n = 0; n < 400; n++)
        {
            var e = Generate(rng, depth: 4);
            // Printing is canonical: the printed form parses back to the same tree.
            Assert.Equal(e, ExpressionParser.Parse(e.ToString()));

            for (int p = 0; p < 3; p++)
            {
                var point = Names.ToDictionary(name => name, _ => rng.NextDouble() * 4 - 2);
                checkedGradients += CheckAt(e, point);
            }
        }

        // Guard against a generator or skip rule that quietly checks nothing.
        Assert.True(checkedGradients > 1000, $"only {checkedGradients} gradients were checked");
    }

    private static int CheckAt(Expr e, Dictionary<string, double> point)
    {
        Value f;
        try
        {
            f = e.Build(point);
        }
        catch (DomainException)
        {
            return 0; // log of a negative, division by 0, (-x)^0.5: no derivative to check here.
        }

        Assert.Equal(f.Data, e.Evaluate(point)); // same forward rules, so bit-for-bit equal
        if (NearTroubleSpot(f, out double magnitude))
        {
            return 0;
        }

        f.Backward();
        int count = 0;
        foreach (var leaf in f.TopologicalOrder().Where(v => v.Label is not null))
        {
            string name = leaf.Label!;
            double numeric;
            try
            {
                numeric = FiniteDifference.Central(t => e.Evaluate(new Dictionary<string, double>(point) { [name] = t }), point[name]);
            }
            catch (DomainException)
            {
                continue; // the step crossed a domain edge
            }

            // Central difference with h ~ 6e-6 has truncation ~1e-11 f''' and rounding ~2e-11 per unit of
            // the largest intermediate value; 1e-6 relative plus 1e-9 times that magnitude covers both with
            // margin while still catching any wrong derivative rule (those are off by O(1)).
            double tolerance = 1e-6 * Math.Max(Math.Abs(numeric), Math.Abs(leaf.Grad)) + 1e-9 * magnitude;
            Assert.True(
                Math.Abs(numeric - leaf.Grad) <= tolerance,
                $"d/d{name} of {e} at {string.Join(", ", point.Select(kv => $"{kv.Key}={kv.Value:R}"))}: backprop {leaf.Grad:R}, central difference {numeric:R}");
            count++;
        }

        return count;
    }

    // Points where a central difference is not a fair reference: within 1e-3 of a kink (relu, abs, a tie of max or min) the step
    // (h ~ 6e-6, times the argument's slope) can straddle it; near 0 a log or a negative or fractional
    // power has huge higher derivatives, so truncation error explodes; and huge intermediate values make
    // the rounding error of f(x+h) - f(x-h) swamp the tolerance.
    private static bool NearTroubleSpot(Value f, out double magnitude)
    {
        magnitude = 1;
        foreach (var node in f.TopologicalOrder())
        {
            magnitude = Math.Max(magnitude, Math.Abs(node.Data));
            if (node.IsLeaf)
            {
                continue;
            }

            double arg = node.Parents[0].Data;
            bool nearEdge = node.Op switch
            {
                "relu" or "abs" => Math.Abs(arg) < 1e-3,
                "max" or "min" => Math.Abs(arg - node.Parents[1].Data) < 1e-3,
                "log" or "pow" => arg < 1e-2,
                "^-1" or "^-2" or "^0.5" or "^1.5" => Math.Abs(arg) < 1e-2,
                _ => false,
            };
            if (nearEdge)
            {
                return true;
            }
        }

        return magnitude > 1e6;
    }

    private static Expr Generate(Random rng, int depth)
    {
        if (depth == 0 || rng.NextDouble() < 0.25)
        {
            double leaf = rng.NextDouble();
            return leaf < 0.7 ? new VariableExpr(Names[rng.Next(Names.Length)])
                : leaf < 0.95 ? new NumberExpr(Constants[rng.Next(Constants.Length)])
                : new ConstantExpr(rng.Next(2) == 0 ? "pi" : "e");
        }

        double pick = rng.NextDouble();
        if (pick < 0.45)
        {
            var op = (BinaryOperator)rng.Next(4);
            return new BinaryExpr(op, Generate(rng, depth - 1), Generate(rng, depth - 1));
        }

        if (pick < 0.55)
        {
            return new NegateExpr(Generate(rng, depth - 1));
        }

        if (pick < 0.65)
        {
            return new PowerExpr(Generate(rng, depth - 1), Exponents[rng.Next(Exponents.Length)]);
        }

        if (pick < 0.7)
        {
            // A variable exponent: the base kept positive so most points have a derivative in it.
            return new BinaryExpr(BinaryOperator.Power, new CallExpr("exp", Generate(rng, depth - 1)), new VariableExpr(Names[rng.Next(Names.Length)]));
        }

        var function = ExpressionParser.KnownFunctions[rng.Next(ExpressionParser.KnownFunctions.Count)];
        return new CallExpr(function, Enumerable.Range(0, ExpressionParser.Arity(function)).Select(_ => Generate(rng, depth - 1)).ToArray());
    }
}
