using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>The published initialisation results, reproduced through the trial runner at initialisation.</summary>
public class InitialisationStudiesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Variance of the back-propagated gradient dJ/dz_l per unit, layers 1..5, on a batch of digits.</summary>
    private double[] GlorotProfile(string init)
    {
        var variances = new double[5];
        for (ulong seed = 0; seed < 3; seed++)
        {
            var config = new TrialConfig
            {
                Depth = 5, Width = 1000, Activation = "tanh", Init = init, Dataset = "digits",
                Loss = "softmax_cross_entropy", BatchSize = 64, Steps = 0, Seed = seed,
            };
            IReadOnlyList<double> deltaSq = TrialRunner.Run(config).Summary!.DeltaSqInit;
            for (int l = 0; l < 5; l++)
            {
                variances[l] += deltaSq[l] / 1000 / 3;
            }
        }
        output.WriteLine($"{init}: Var(dJ/dz_l), l = 1..5: {string.Join(", ", variances.Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}");
        return variances;
    }

    [Fact]
    public void Glorot_and_Bengio_standard_init_shrinks_the_back_propagated_gradient_towards_the_input_and_xavier_does_not()
    {
        // Glorot and Bengio (2010), section 4.2 and figure 7: five tanh layers of 1000 units, inputs in [0, 1]
        // (here the UCI digits / 16). In tanh's linear regime Var(dJ/dz_l) = Var(dJ/dz_(l+1)) n Var(W): 1/3 per
        // layer for U[-1/sqrt(n), 1/sqrt(n)], 1 for the normalised (Xavier) init; tanh' < 1 shrinks both a little.
        double[] standard = GlorotProfile("standard");
        for (int l = 0; l < 4; l++)
        {
            Assert.True(standard[l] < standard[l + 1], $"standard init: layer {l + 1} variance {standard[l]} is not below layer {l + 2}'s {standard[l + 1]}");
        }
        double[] xavier = GlorotProfile("xavier_uniform");
        Assert.True(xavier.Max() / xavier.Min() <= 1.5, $"Xavier: variances span a factor {xavier.Max() / xavier.Min()}");
    }

    [Fact]
    public void He_init_keeps_deep_relu_errors_level_where_xavier_halves_them_per_layer()
    {
        // He et al. (2015): Var(W) = 2 / n keeps chi1 = 1 for relu; Xavier (Var = 1 / n for square layers)
        // gives chi1 = 1/2. Slopes of ln E||delta_l||^2 over layers 6..30 on the digits, width 256.
        double Slope(string init)
        {
            var config = new TrialConfig
            {
                Depth = 30, Width = 256, Activation = "relu", Init = init, Dataset = "digits",
                Loss = "softmax_cross_entropy", BatchSize = 64, Steps = 0, Seed = 3,
            };
            return ChiFit.LogSlope(TrialRunner.Run(config).Summary!.DeltaSqInit, 6, 30)!.Value;
        }
        double he = Slope("he_normal"), xavier = Slope("xavier_normal");
        output.WriteLine($"relu depth 30: slope with He {he:F4}, with Xavier {xavier:F4} (ln 1/2 = {Math.Log(0.5):F4})");
        Assert.True(Math.Abs(he) < 0.05, $"He: slope {he}");
        Assert.True(Math.Abs(xavier - Math.Log(0.5)) < 0.05, $"Xavier: slope {xavier}");
    }
}
