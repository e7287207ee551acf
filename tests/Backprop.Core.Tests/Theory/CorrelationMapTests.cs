using Backprop.Core.Networks;
using Backprop.Core.Theory;

namespace Backprop.Core.Tests.Theory;

public sealed class CorrelationMapTests
{
    [Theory]
    // mpmath at 25 digits, c* by Newton on the Hermite series sum a_n^2 c^n of the map (90 to 120 terms):
    [InlineData("tanh", 2.5, 0.05, 0.44680423234426708531, 0.91871677491377287722)]
    [InlineData("tanh", 2.0, 0.0, 0.0, 0.95501068880045465462)]
    [InlineData("elu", 1.5, 0.0, 0.57195558231897515797, 0.97348926405042502544)]
    public void Chaotic_fixed_point_and_slope_match_an_independent_series(string name, double sw2, double sb2, double cStar, double chiC)
    {
        Assert.True(Activation.TryParse(name, out Activation phi));
        MeanFieldPrediction p = MeanField.Predict(phi, sw2, sb2);
        Assert.Equal(GradientRegime.Chaotic, p.Regime);
        Assert.Equal(cStar, p.CStar, 1e-13);
        Assert.Equal(chiC, p.ChiC, 1e-13);
        // c* is a fixed point of the map and chi_c its slope there.
        Assert.Equal(p.CStar, CorrelationMap.Apply(phi, sw2, sb2, p.Q, p.CStar), 1e-13);
        Assert.Equal(p.ChiC, CorrelationMap.SlopeAt(phi, sw2, p.Q, p.CStar), 1e-13);
    }

    [Theory]
    [InlineData("sigmoid", 150.0, 0.0)]
    [InlineData("elu", 1.5, 0.0)]
    [InlineData("elu(2)", 0.5, 0.0)]
    [InlineData("gelu", 1.0, 0.0)]
    [InlineData("softplus", 1.0, 0.3)]
    public void Every_fixed_point_is_one_of_the_map_and_below_1_exactly_in_the_chaotic_phase(string name, double sw2, double sb2)
    {
        Assert.True(Activation.TryParse(name, out Activation phi));
        MeanFieldPrediction p = MeanField.Predict(phi, sw2, sb2);
        if (p.Regime == GradientRegime.Chaotic)
        {
            Assert.InRange(p.CStar, 0, 1 - 1e-6);
            Assert.InRange(p.ChiC, 0, 1 - 1e-6);
            Assert.Equal(p.CStar, CorrelationMap.Apply(phi, sw2, sb2, p.Q, p.CStar), 1e-13);
        }
        else
        {
            Assert.Equal((1.0, p.Chi1), (p.CStar, p.ChiC));
        }
        // C(1) = 1 at the fixed point q* (when it is positive): the length map's fixed-point equation.
        if (p.Q > 0 && !p.QDiverges)
        {
            Assert.Equal(1.0, CorrelationMap.Apply(phi, sw2, sb2, p.Q, 1), 1e-13);
        }
    }
}
