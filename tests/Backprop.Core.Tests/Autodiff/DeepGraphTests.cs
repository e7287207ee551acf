using Backprop.Core.Autodiff;

namespace Backprop.Core.Tests.Autodiff;

public class DeepGraphTests
{
    [Fact]
    public void MillionNodeChain_BackpropagatesWithoutStackOverflow()
    {
        // v <- v + 1e-3 * tanh(v), repeated: four nodes per step (tanh, constant, *, +), so 250,000 steps
        // make a chain of 1,000,000 nodes plus x. Each step's derivative 1 + 1e-3 (1 - tanh^2 v) keeps the
        // product of order 1, so the gradient is a number worth comparing, not an underflowed 0.
        const int steps = 250_000;
        var x = Value.Variable("x", 0.1);
        var v = x;
        for (int i = 0; i < steps; i++)
        {
            v = v + 1e-3 * Ops.Tanh(v);
        }

        v.Backward();

        // The same recurrence and its derivative (product of per-step factors) in plain doubles.
        double value = 0.1;
        double derivative = 1;
        for (int i = 0; i < steps; i++)
        {
            double t = Math.Tanh(value);
            derivative *= 1 + 1e-3 * (1 - t * t);
            value += 1e-3 * t;
        }

        Assert.Equal(1 + 4 * steps, v.TopologicalOrder().Count);
        ValueTests.AssertRelative(value, v.Data, 1e-12);
        ValueTests.AssertRelative(derivative, x.Grad, 1e-9);
        Assert.True(x.Grad > 1.5, "the chain should amplify the gradient, not kill it");
    }
}
