using System.Text.Json;

namespace Backprop.Lab.Cli.Tests;

public sealed class TheoryArchitectureTests
{
    [Fact]
    public void Without_architecture_options_the_report_has_no_per_layer_table()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "1.5");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("architecture:", output);
    }

    [Fact]
    public void Reduced_tanh_resnet_prints_layers_and_blocks_next_to_the_plain_net()
    {
        var (exit, output, error) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "1", "--architecture", "residual", "--block-depth", "1", "--depth", "11");
        Assert.True(exit == 0, error);
        Assert.Contains("architecture: residual, block depth 1, residual scale 1, pre form; 11 hidden layers: a stem and 10 blocks of 1", output);
        // Stem: the whole stream's gradient, 24.87 (the core tests check it against width-2000 simulations); the plain net's 0.14.
        Assert.Matches(@"\n +1 +stem +1 +24\.874485 +1 +0\.14002824\n", output);
        Assert.Matches(@"\n +block +p_b +mu_b +chi_block +E\|\|dJ/dx_b\|\|\^2\n +1 +0\.39429449 +0 +1\.6365446 +24\.874485\n", output);
        Assert.Contains("slope   = none: chi_1(q) of the branch depends on q", output);
    }

    [Fact]
    public void Relu_resnet_has_a_constant_block_factor_and_a_slope()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "relu", "--sw2", "2", "--architecture", "residual", "--residual-scale", "1/sqrt(L)", "--depth", "9");
        Assert.Equal(0, exit);
        // 4 blocks of 2, alpha = 1/2: chi_block = 1 + 1/4 (chi1 = 1), per layer ln(1.25)/2.
        Assert.Contains("residual scale 0.5", output);
        Assert.Contains($"slope   = {Math.Log(1.25) / 2:G8} per layer (plain: 0)", output);
    }

    [Fact]
    public void Layernorm_tanh_slope_is_chi_LN_whatever_sigma_w()
    {
        string Slope(string sw2) => LabRunner.Run("theory", "-a", "tanh", "--sw2", sw2, "--norm", "layernorm").Out
            .Split('\n').Single(line => line.StartsWith("slope", StringComparison.Ordinal));
        Assert.StartsWith("slope   = 0.1636", Slope("0.5"));
        Assert.StartsWith("slope   = 0.1636", Slope("4"));
    }

    [Fact]
    public void Post_form_prints_the_reason_instead_of_numbers()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "relu", "--architecture", "residual", "--block-form", "post", "--depth", "5");
        Assert.Equal(0, exit);
        Assert.Contains("no closed form: in the post form phi acts on the stream plus the branch", output);
        Assert.Matches(@"\n +layer +block +plain q +plain gradient\n", output);
        Assert.DoesNotContain("slope   =", output);
    }

    [Fact]
    public void Json_carries_layers_blocks_and_the_slope_or_its_absence()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "relu", "--sw2", "2", "--architecture", "residual", "--residual-scale", "0.5", "--json");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement a = doc.RootElement.GetProperty("architecture");
        Assert.Equal(9, a.GetProperty("depth").GetInt32());
        Assert.Equal(9, a.GetProperty("layers").GetArrayLength());
        Assert.Equal(4, a.GetProperty("blocks").GetArrayLength());
        Assert.Equal(1.25, a.GetProperty("blocks")[0].GetProperty("chi_block").GetDouble(), 1e-15);
        Assert.Equal(Math.Log(1.25) / 2, a.GetProperty("log_slope").GetDouble(), 1e-15);
        Assert.Equal(JsonValueKind.Null, a.GetProperty("no_closed_form").ValueKind);

        using JsonDocument tanh = JsonDocument.Parse(LabRunner.Run("theory", "-a", "tanh", "--architecture", "residual", "--json").Out);
        JsonElement t = tanh.RootElement.GetProperty("architecture");
        Assert.Equal(JsonValueKind.Null, t.GetProperty("log_slope").ValueKind);
        Assert.Contains("not linear in depth", t.GetProperty("no_slope_reason").GetString());
    }

    [Theory]
    [InlineData("--depth 6 --architecture residual", "--depth 6: a residual network has a stem and blocks of --block-depth 2 layers, so depth - 1 must be a multiple of 2")]
    [InlineData("--block-depth 2", "--block-depth, --residual-scale and --block-form apply to --architecture residual")]
    [InlineData("--architecture residual --residual-scale x/L", "--residual-scale: residual scale \"x/L\" is not a number >= 0")]
    [InlineData("--architecture residual --block-depth 0", "--block-depth must be at least 1, got 0")]
    [InlineData("--depth 0", "--depth must be between 1 and 100000, got 0")]
    [InlineData("--architecture resnet", "'resnet' not recognized")]
    [InlineData("--norm batch", "'batch' not recognized")]
    public void Bad_architecture_options_exit_2_with_one_message(string arguments, string message)
    {
        var (exit, output, error) = LabRunner.Run(["theory", .. arguments.Split(' ')]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error);
        Assert.Contains(message, error);
    }
}
