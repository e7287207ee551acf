using System.Globalization;
using System.Text.Json;

namespace Backprop.Lab.Cli.Tests;

public sealed class TheoryCommandTests
{
    [Fact]
    public void Tanh_prints_each_quantity_labelled_with_its_value_and_meaning()
    {
        var (exit, output, error) = LabRunner.Run("theory", "--activation", "tanh", "--sw2", "1.5", "--sb2", "0.05");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        // Values printed with 8 significant digits; the core tests pin them to ~1e-13 against mpmath.
        Assert.Contains("q*    = 0.4180372", output);
        Assert.Contains("chi1  = 0.93863627  (ordered: gradients vanish)", output);
        Assert.Contains("xi    = 15.790994 layers (vanishing)", output);
        Assert.Contains("critical sigma_w^2 = 1.7609546 at sigma_b^2 = 0.05", output);
        Assert.Contains("fixed point of q = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2", output);
        Assert.Contains("< 1 ordered (vanishing), > 1 chaotic (exploding)", output);
    }

    [Fact]
    public void Sigma_w_is_accepted_instead_of_its_square()
    {
        Assert.Equal(LabRunner.Run("theory", "-a", "relu", "--sw2", "4").Out.Replace("sigma_w^2 = 4,", ""),
            LabRunner.Run("theory", "-a", "relu", "--sw", "2").Out.Replace("sigma_w^2 = 4,", ""));
    }

    [Fact]
    public void Json_output_reports_a_diverging_q_as_infinity_with_the_tail_chi1()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "relu", "--sw", "3", "--sb2", "0.1", "--json");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("Infinity", root.GetProperty("q_star").GetString());
        Assert.True(root.GetProperty("q_diverges").GetBoolean());
        Assert.Equal(4.5, root.GetProperty("chi1").GetDouble());
        Assert.Equal("chaotic", root.GetProperty("regime").GetString());
        Assert.Equal(2.0, root.GetProperty("critical_sw2").GetDouble());
    }

    [Fact]
    public void Critical_configuration_says_the_depth_scale_is_infinite()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "1");
        Assert.Equal(0, exit);
        Assert.Contains("q*    = 0", output);
        Assert.Contains("chi1  = 1  (critical)", output);
        Assert.Contains("xi    = infinite (critical)", output);
        double sigmoidChi1 = double.Parse(
            LabRunner.Run("theory", "-a", "sigmoid", "--json").Out.Split('\n').Single(l => l.Contains("\"chi1\"")).Split(':')[1].Trim(' ', ','),
            CultureInfo.InvariantCulture);
        Assert.Equal(0.0557207067697, sigmoidChi1, 1e-12);
    }

    [Theory]
    [InlineData("--sw2", "-1")]
    [InlineData("--sw2", "NaN")]
    [InlineData("--sw", "Infinity")]
    [InlineData("--sb2", "-0.5")]
    [InlineData("--sb2", "abc")]
    public void Bad_variances_exit_2_naming_the_flag(string flag, string value)
    {
        var (exit, output, error) = LabRunner.Run("theory", flag, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(flag, error);
    }

    [Fact]
    public void Unknown_activation_exits_2_with_did_you_mean()
    {
        var (exit, _, error) = LabRunner.Run("theory", "--activation", "tahn");
        Assert.Equal(2, exit);
        Assert.Contains("did you mean \"tanh\"", error);
    }

    [Fact]
    public void Both_sw_and_sw2_exit_2()
    {
        var (exit, _, error) = LabRunner.Run("theory", "--sw", "1", "--sw2", "1");
        Assert.Equal(2, exit);
        Assert.Contains("--sw2", error);
    }
}
