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
        Assert.Contains("q*      = 0.4180372", output);
        Assert.Contains("chi1    = 0.93863627  (ordered: gradients vanish)", output);
        Assert.Contains("xi_grad = 15.790994 layers (vanishing)", output);
        // Ordered: c* = 1 and the correlation map's slope there is chi1, so xi_c = xi_grad.
        Assert.Contains("c*      = 1\n", output);
        Assert.Contains("chi_c   = 0.93863627\n", output);
        Assert.Contains("xi_c    = 15.790994 layers", output);
        Assert.Contains("6 xi_c = 94.745964 layers", output);
        Assert.Contains("critical sigma_w^2 = 1.7609546 at sigma_b^2 = 0.05", output);
        Assert.Contains("fixed points of the length map q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2", output);
        Assert.Matches(@"\n +0\.4180372 +stable +0\.55198321 +0\.93863627 +<- reached from q\^1 = 1\.55\n", output);
        Assert.Contains("< 1 ordered (vanishing), > 1 chaotic (exploding)", output);
    }

    [Fact]
    public void Sigma_w_is_accepted_instead_of_its_square()
    {
        Assert.Equal(LabRunner.Run("theory", "-a", "relu", "--sw2", "4").Out.Replace("sigma_w^2 = 4,", ""),
            LabRunner.Run("theory", "-a", "relu", "--sw", "2").Out.Replace("sigma_w^2 = 4,", ""));
    }

    [Fact]
    public void Sigma_b_is_accepted_instead_of_its_square_and_not_both()
    {
        var (exit, output, error) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "1.5", "--sb", "0.5");
        Assert.True(exit == 0, error);
        Assert.Equal(LabRunner.Run("theory", "-a", "tanh", "--sw2", "1.5", "--sb2", "0.25").Out, output);

        var (both, bothOut, bothError) = LabRunner.Run("theory", "--sb", "0.5", "--sb2", "0.25");
        Assert.Equal(2, both);
        Assert.Equal("", bothOut);
        Assert.Equal("error: give either --sb (the std) or --sb2 (the variance), not both\n", bothError.ReplaceLineEndings("\n"));
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
        Assert.Equal(1 / Math.Log(4.5), root.GetProperty("xi_grad").GetDouble(), 1e-15);
        Assert.Equal(1.0, root.GetProperty("c_star").GetDouble());
        Assert.Equal("Infinity", root.GetProperty("xi_c").GetString());
        Assert.Equal(2.0, root.GetProperty("critical_sw2").GetDouble());
        // relu with sw2 = 9 > 2 and bias: the only fixed point is q = infinity, reached from q^1 = 9 + 0.1.
        JsonElement point = Assert.Single(root.GetProperty("fixed_points").EnumerateArray());
        Assert.Equal("Infinity", point.GetProperty("q").GetString());
        Assert.Equal("stable", point.GetProperty("stability").GetString());
        Assert.True(point.GetProperty("reached").GetBoolean());
        Assert.Equal(9.1, root.GetProperty("q1").GetDouble(), 1e-15);
    }

    [Fact]
    public void Critical_configuration_says_the_depth_scale_is_infinite()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "1");
        Assert.Equal(0, exit);
        Assert.Contains("q*      = 0\n", output);
        Assert.Contains("chi1    = 1  (critical)", output);
        Assert.Contains("xi_grad = infinite (critical)", output);
        Assert.Contains("xi_c    = infinite", output);
        using JsonDocument sigmoid = JsonDocument.Parse(LabRunner.Run("theory", "-a", "sigmoid", "--json").Out);
        double sigmoidChi1 = sigmoid.RootElement.GetProperty("chi1").GetDouble();
        Assert.Equal(0.0557207067697, sigmoidChi1, 1e-12);
    }

    [Fact]
    public void Gelu_lists_both_attractors_and_follows_unit_inputs_to_the_diverging_one()
    {
        var (exit, output, error) = LabRunner.Run("theory", "-a", "gelu", "--sw2", "3");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        // Three fixed points: 0 (stable, chi1 = 3/4), 0.24732360 (unstable; mpmath 0.2473236022832215), infinity (stable, chi1 = 3/2).
        Assert.Matches(@"\n +0 +stable +0\.75 +0\.75 *\n", output);
        Assert.Matches(@"\n +0\.2473236 +unstable ", output);
        Assert.Matches(@"\n +infinity +stable +1\.5 +1\.5 +<- reached from q\^1 = 3\n", output);
        Assert.Contains("q*      = none (q diverges)", output);
        Assert.Contains("chi1    = 1.5  (chaotic: gradients explode)", output);
        Assert.Contains("critical sigma_w^2 = 2.1549088 at sigma_b^2 = 0", output);
    }

    [Fact]
    public void Small_inputs_flow_to_the_other_attractor()
    {
        // q^1 = 3 * 0.05 = 0.15 lies below the unstable fixed point 0.2473: q flows to 0, where chi1 = sw2 gelu'(0)^2 = 0.75.
        var (exit, output, _) = LabRunner.Run("theory", "-a", "gelu", "--sw2", "3", "--q0", "0.05");
        Assert.Equal(0, exit);
        Assert.Contains("q*      = 0\n", output);
        Assert.Contains("chi1    = 0.75  (ordered: gradients vanish)", output);
    }

    [Fact]
    public void Chaotic_tanh_prints_the_correlation_fixed_point_and_its_depth_scale()
    {
        var (exit, output, _) = LabRunner.Run("theory", "-a", "tanh", "--sw2", "2");
        Assert.Equal(0, exit);
        // mpmath: q* = 0.61796476976854555, chi1 = 1.1055288204394036; c* = 0 (tanh is odd and sigma_b = 0), chi_c = sw2 E[tanh'(sqrt(q*) z)]^2
        // = 0.95501068880045465, xi_c = -1/ln chi_c = 21.723666 and xi_grad = 1/ln chi1 = 9.9677254
        Assert.Contains("xi_grad = 9.9677254 layers (exploding)", output);
        Assert.Contains("c*      = 0\n", output);
        Assert.Contains("chi_c   = 0.95501069", output);
        Assert.Contains("xi_c    = 21.723666 layers", output);
    }

    [Theory]
    [InlineData("--sw2", "-1")]
    [InlineData("--sw2", "NaN")]
    [InlineData("--sw", "Infinity")]
    [InlineData("--sb2", "-0.5")]
    [InlineData("--sb2", "abc")]
    [InlineData("--q0", "-1")]
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
