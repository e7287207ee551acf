using Backprop.Core.Experiments;
using Backprop.Core.Serialization;

namespace Backprop.Core.Tests.Experiments;

/// <summary>The base-only "widths" field of a sweep file: one width a hidden layer, from the stem up.</summary>
public class SweepFileWidthsTests
{
    private static SweepSpec Parse(string json) => SweepFile.Parse("s.json", json);

    [Fact]
    public void Widths_set_every_hidden_layer_the_depth_and_the_stem_width()
    {
        SweepSpec spec = Parse("""{ "name": "s", "base": { "widths": [32, 16, 8], "dataset": "teacher" }, "grid": { "sigma_w2": [1, 2] } }""");
        TrialConfig c = spec.Expand()[0].Config;
        Assert.Equal([32, 16, 8], c.Widths!);
        Assert.Equal(3, c.Depth);
        Assert.Equal(32, c.Width);
        Assert.Equal(8, c.TopWidth);
        Assert.Equal([32, 16, 8], Enumerable.Range(0, c.Depth).Select(c.HiddenWidth));
        Assert.Equal("tanh L=3 N=32-16-8 sw2=1 seed=0", c.Label());
    }

    [Theory]
    [InlineData("""{ "name": "s", "base": { "widths": [8, 4], "width": 8 } }""", "$.base.widths", "give either \"widths\" (every hidden layer's width, and so the depth) or \"width\", not both")]
    [InlineData("""{ "name": "s", "base": { "depth": 2, "widths": [8, 4] } }""", "$.base.widths", "give either \"widths\" (every hidden layer's width, and so the depth) or \"depth\", not both")]
    [InlineData("""{ "name": "s", "grid": { "widths": [[8, 4], [4, 4]] } }""", "$.grid.widths", "\"widths\" is base-only")]
    [InlineData("""{ "name": "s", "random": { "count": 2, "axes": { "widths": { "choice": [[8, 4]] } } } }""", "$.random.axes.widths", "\"widths\" is base-only")]
    [InlineData("""{ "name": "s", "base": { "widths": [8, 4] }, "grid": { "depth": [2, 3] } }""", "$.grid.depth", "\"depth\" cannot be an axis when base sets \"widths\"")]
    [InlineData("""{ "name": "s", "base": { "widths": [8, 4] }, "random": { "count": 2, "axes": { "width": { "uniform": [4, 8] } } } }""", "$.random.axes.width", "\"width\" cannot be an axis when base sets \"widths\"")]
    [InlineData("""{ "name": "s", "base": { "widths": [] } }""", "$.base.widths", "expected an array of 1 to 10000 layer widths, found 0")]
    [InlineData("""{ "name": "s", "base": { "widths": 8 } }""", "$.base.widths", "expected an array of 1 to 10000 layer widths, found the number 8")]
    [InlineData("""{ "name": "s", "base": { "widths": [8, 0] } }""", "$.base.widths[1]", "an integer from 1 to 100000")]
    [InlineData("""{ "name": "s", "base": { "widths": [100001] } }""", "$.base.widths[0]", "an integer from 1 to 100000")]
    public void Widths_is_refused_with_width_or_depth_as_an_axis_or_out_of_range(string json, string path, string message)
    {
        var e = Assert.Throws<InputFileException>(() => Parse(json));
        Assert.Contains(e.All, p => p.JsonPath == path && p.Problem.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void More_than_ten_thousand_layers_are_refused()
    {
        string widths = string.Join(", ", Enumerable.Repeat(1, SweepFile.MaxWidthsLength + 1));
        var e = Assert.Throws<InputFileException>(() => Parse($$"""{ "name": "s", "base": { "widths": [{{widths}}] } }"""));
        Assert.Equal("$.base.widths", e.JsonPath);
        Assert.Contains("found 10001", e.Problem);
    }

    [Fact]
    public void A_residual_sweep_with_unequal_widths_is_refused_before_any_trial_with_the_networks_sentence()
    {
        var e = Assert.Throws<InputFileException>(() => Parse(
            """{ "name": "s", "base": { "widths": [16, 16, 8], "block_depth": 1, "dataset": "teacher" }, "grid": { "architecture": ["plain", "residual"] } }"""));
        Assert.Equal("$", e.JsonPath);
        Assert.Contains("layer 3 has 8 units; every layer of a residual block has the stem's width, 16", e.Problem);
        Assert.Contains("N=16-16-8", e.Problem);
    }

    [Fact]
    public void The_parameter_budget_counts_each_layer_at_its_own_width()
    {
        // One wide layer among narrow ones: 10 x 100000 + 100000 x 10 weights is within the budget, 100000^2 would not be.
        SweepSpec spec = Parse("""{ "name": "s", "base": { "widths": [10, 100000, 10], "dataset": "teacher", "input_dim": 1, "samples": 1, "batch_size": 1, "steps": 0 } }""");
        Assert.Equal(3, spec.Base.Depth);
        var e = Assert.Throws<InputFileException>(() => Parse(
            """{ "name": "s", "base": { "widths": [10, 100000, 100000], "dataset": "teacher", "input_dim": 1, "samples": 1, "batch_size": 1, "steps": 0 } }"""));
        Assert.Contains("parameters", e.Problem);
    }
}
