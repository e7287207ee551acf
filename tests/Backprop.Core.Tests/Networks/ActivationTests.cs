using Backprop.Core.Networks;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Networks;

public class ActivationTests
{
    public static TheoryData<int> Indices() => new(Enumerable.Range(0, NetworkFactory.AllActivations.Length));

    [Theory]
    [MemberData(nameof(Indices))]
    public void Derivative_matches_central_difference_away_from_kinks(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        foreach (double z in new[] { -6.0, -2.5, -0.7, -0.01, 0.013, 0.4, 1.9, 7.5 })
        {
            // h = 1e-5: truncation ~h^2 |phi'''| ~ 1e-10, rounding ~eps |phi| / h ~ 1e-11; relative 1e-7 holds where |phi'| > 1e-3.
            const double h = 1e-5;
            double numeric = (phi.Apply(z + h) - phi.Apply(z - h)) / (2 * h);
            double analytic = phi.Derivative(z);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-7 * Math.Max(Math.Abs(analytic), 1e-3), $"{phi} at {z}: {analytic} vs {numeric}");
        }
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Span_forward_and_derivative_agree_with_the_scalar_definitions(int index)
    {
        Activation phi = NetworkFactory.AllActivations[index];
        double[] z = NetworkFactory.Matrix(1, 37, (ulong)index, 3.0);
        var a = new double[z.Length];
        phi.Forward(z, a);
        var delta = Enumerable.Repeat(1.0, z.Length).ToArray();
        phi.MultiplyByDerivative(z, a, delta);
        for (int i = 0; i < z.Length; i++)
        {
            Assert.Equal(phi.Apply(z[i]), a[i], 1e-15);
            Assert.Equal(phi.Derivative(z[i]), delta[i], 1e-15);
        }
    }

    [Fact]
    public void Kink_conventions_follow_pytorch()
    {
        Assert.Equal(0.0, Activation.Relu.Derivative(0));
        Assert.Equal(0.2, Activation.LeakyRelu(0.2).Derivative(0));
        Assert.Equal(1.5, Activation.Elu(1.5).Derivative(0));
        Assert.Equal(0.0, Activation.Abs.Derivative(0));
        Assert.True(Activation.Relu.HasKink);
        Assert.True(Activation.Abs.HasKink);
        Assert.False(Activation.Elu(1.0).HasKink);
        Assert.False(Activation.Tanh.HasKink);
    }

    [Fact]
    public void Saturating_functions_are_stable_at_extremes()
    {
        Assert.Equal(0.0, Activation.Sigmoid.Apply(-800));
        Assert.Equal(1.0, Activation.Sigmoid.Apply(800));
        Assert.Equal(800.0, Activation.Softplus.Apply(800));
        Assert.Equal(Math.Exp(-800), Activation.Softplus.Apply(-800));
        Assert.Equal(Math.Log(2), Activation.Softplus.Apply(0), 1e-16);
    }

    [Fact]
    public void Abs_is_minus_z_then_z_with_slopes_minus_1_and_1()
    {
        Assert.Equal(2.5, Activation.Abs.Apply(-2.5));
        Assert.Equal(2.5, Activation.Abs.Apply(2.5));
        Assert.Equal(-1.0, Activation.Abs.Derivative(-1e-300));
        Assert.Equal(1.0, Activation.Abs.Derivative(1e-300));
    }

    [Fact]
    public void Gelu_is_the_tanh_form()
    {
        double x = 0.8;
        Assert.Equal(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), Activation.Gelu.Apply(x));
    }

    [Theory]
    [InlineData("tanh", "tanh")]
    [InlineData("linear", "identity")]
    [InlineData("leaky_relu", "leaky_relu(0.01)")]
    [InlineData("leaky_relu(0.2)", "leaky_relu(0.2)")]
    [InlineData(" ELU(2) ", "elu(2)")]
    [InlineData("gelu", "gelu")]
    [InlineData("ABS", "abs")]
    public void Names_parse_and_print(string text, string printed)
    {
        Assert.True(Activation.TryParse(text, out Activation phi));
        Assert.Equal(printed, phi.ToString());
        Assert.True(Activation.TryParse(printed, out Activation again));
        Assert.Equal(phi, again);
    }

    [Theory]
    [InlineData("tanhh")]
    [InlineData("tanh(2)")]
    [InlineData("leaky_relu(x)")]
    [InlineData("leaky_relu(0.1")]
    [InlineData("elu(NaN)")]
    [InlineData("abs(2)")]
    [InlineData("")]
    public void Bad_names_are_rejected(string text) => Assert.False(Activation.TryParse(text, out _));
}
