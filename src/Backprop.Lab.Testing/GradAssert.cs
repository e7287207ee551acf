using Backprop.Core.Checking;
using Xunit;

namespace Backprop.Lab.Testing;

/// <summary>
/// xunit assertions for gradients: a check that does not pass fails the test with the checker's readable
/// report (table, worst entries, the layer named), and a layer that throws or returns the wrong shape fails it
/// with a message saying so, never with the layer's exception escaping as a crash.
/// </summary>
public static class GradAssert
{
    /// <summary>Fails unless the report's verdict is Pass.</summary>
    public static void Passes(GradCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!report.Passed)
        {
            Assert.Fail($"gradient check did not pass:{Environment.NewLine}{GradCheckText.Render(report)}");
        }
    }

    /// <summary>Checks your layer's Backward against finite differences of its Forward at x (m rows).</summary>
    public static GradCheckReport LayerGradientsCorrect(IDifferentiableLayer layer, double[] x, int m, GradCheckOptions? options = null) =>
        Run(() => LayerChecker.Check(layer, x, m, options));

    /// <summary>Checks a network's gradients (the engine's, or a backward pass of your own) with the full check.</summary>
    public static GradCheckReport NetworkGradientsCorrect(GradientProblem problem, GradCheckOptions? options = null, IBackwardPass? backward = null) =>
        Run(() => GradientChecker.Full(problem, options, backward));

    private static GradCheckReport Run(Func<GradCheckReport> check)
    {
        GradCheckReport report;
        try
        {
            report = check();
        }
        catch (ArgumentException e)
        {
            Assert.Fail($"the gradient check could not run: {e.Message}");
            throw; // not reached: Assert.Fail throws
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"the gradient check could not run: {e.GetType().Name}: {e.Message}");
            throw;
        }
        Passes(report);
        return report;
    }
}
