using Backprop.Core.Networks;
using Backprop.Core.Teaching;

namespace Backprop.Core.Tests.Teaching;

public class NetworkParameterTests
{
    private static readonly Mlp Wide = new(12, [new LayerSpec(11, Activation.Tanh), new LayerSpec(2, Activation.Identity)]);

    [Theory]
    [InlineData("x2", ParameterKind.Input, 0, 2, 0)]
    [InlineData("w12[1]", ParameterKind.Weight, 1, 1, 2)]
    [InlineData("w_12^[1]", ParameterKind.Weight, 1, 1, 2)]
    [InlineData("w1,12[1]", ParameterKind.Weight, 1, 1, 12)]
    [InlineData("w211[2]", ParameterKind.Weight, 2, 2, 11)]
    [InlineData("b1[2]", ParameterKind.Bias, 2, 1, 0)]
    public void Worked_example_names_parse_to_layer_unit_and_source(string text, ParameterKind kind, int layer, int unit, int from)
    {
        Assert.Equal(new NetworkParameter(kind, layer, unit, from), NetworkParameter.Parse(text, Wide));
    }

    [Theory]
    [InlineData("x13", "inputs x1..x12")]
    [InlineData("w31[2]", "j = 1..2")]
    [InlineData("b1[3]", "layers [1]..[2]")]
    [InlineData("v1", "write an input x2")]
    [InlineData("w111[1]", "ambiguous")]
    public void Names_of_nothing_in_the_network_say_what_exists(string text, string fragment)
    {
        var e = Assert.Throws<TeachingInputException>(() => NetworkParameter.Parse(text, Wide));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Printed_names_use_a_comma_once_an_index_has_two_digits()
    {
        Assert.Equal("w12[1]", new NetworkParameter(ParameterKind.Weight, 1, 1, 2).Text);
        Assert.Equal("w1,12[1]", new NetworkParameter(ParameterKind.Weight, 1, 1, 12).Text);
        Assert.Equal("w_{12}^{[1]}", new NetworkParameter(ParameterKind.Weight, 1, 1, 2).Latex);
    }
}
