using System.Text.Json;

namespace Backprop.Lab.Cli.Tests;

public sealed class GradCheckCommandTests
{
    private static (int Exit, string Out, string Err) GradCheck(params string[] extra) =>
        LabRunner.Run(["gradcheck", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"), "--threads", "2", .. extra]);

    [Fact]
    public void A_correct_network_passes_with_a_table_and_one_verdict_line()
    {
        var (exit, output, error) = GradCheck();
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("tensor   entries  checked  max rel err  mean rel err  kinks  verdict", output);
        Assert.Contains("W2            64       64", output);
        Assert.Contains("verdict  PASS", output);
    }

    [Fact]
    public void A_planted_bug_fails_with_exit_4_and_the_layer_named()
    {
        var (exit, output, _) = GradCheck("--plant", "drop-activation-derivative@2");
        Assert.Equal(4, exit);
        Assert.Contains("verdict  FAIL: layer 2 (tanh): activation derivative missing", output);
        Assert.Contains("W1: dJ/dW[1], 8 x 2 (tanh), worst entries", output);
    }

    [Fact]
    public void Json_output_follows_the_documented_schema()
    {
        var (exit, output, _) = GradCheck("--plant", "transposed-weights@2", "--json", "--worst", "2");
        Assert.Equal(4, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("full", root.GetProperty("mode").GetString());
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.Equal(1e-6, root.GetProperty("h").GetDouble());
        Assert.Equal(1e-5, root.GetProperty("bands").GetProperty("fine").GetDouble());
        JsonElement tensors = root.GetProperty("tensors");
        Assert.Equal(["W1", "b1", "W2", "b2", "W3", "b3", "x"], tensors.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        JsonElement worst = tensors[0].GetProperty("worst");
        Assert.Equal(2, worst.GetArrayLength());
        foreach (string field in new[] { "entry", "index", "analytic", "numeric", "difference", "rel_error", "band", "status" })
        {
            Assert.True(worst[0].TryGetProperty(field, out _), field);
        }
        JsonElement first = root.GetProperty("localisation").GetProperty("findings")[0];
        Assert.Equal(2, first.GetProperty("layer").GetInt32());
        Assert.Equal("input_gradient", first.GetProperty("operation").GetString());
    }

    [Fact]
    public void The_fast_check_passes_a_correct_network_and_falls_back_on_a_bugged_one()
    {
        var (exit, output, _) = GradCheck("--fast");
        Assert.Equal(0, exit);
        Assert.Contains("fast check along a random unit direction u", output);
        var (bugExit, bugOutput, _) = GradCheck("--fast", "--plant", "loss-missing-two");
        Assert.Equal(4, bugExit);
        Assert.Contains("b3     alone:", bugOutput);
        Assert.Contains("loss (mse): gradient dJ/dyhat off by a factor of 0.5", bugOutput);
    }

    [Fact]
    public void The_sweep_prints_error_against_h_and_the_best_h()
    {
        var (exit, output, _) = GradCheck("--sweep-h", "--entry", "W1[3,2]");
        Assert.Equal(0, exit);
        Assert.Contains("W1[3,2]  analytic", output);
        Assert.Contains("1.0E-12", output);
        Assert.Contains("<- best", output);
        Assert.Contains("best h = ", output);
    }

    [Fact]
    public void Float32_fails_the_float64_tuned_check_and_says_why()
    {
        var (exit, output, _) = GradCheck("--float32");
        Assert.Equal(4, exit);
        Assert.Contains("note: float32: J is rounded to 24 bits", output);
        Assert.Contains("every backward rule is right on its own", output);
    }

    [Theory]
    [InlineData("--h", "0", "--h must be a positive finite number")]
    [InlineData("--h", "-1e-6", "--h must be a positive finite number")]
    [InlineData("--h", "NaN", "--h must be a positive finite number")]
    [InlineData("--h", "Infinity", "--h must be a positive finite number")]
    [InlineData("--sample", "0", "--sample must be at least 1")]
    [InlineData("--worst", "0", "--worst must be at least 1")]
    [InlineData("--plant", "forget-everything", "--plant 'forget-everything': expected one of drop-activation-derivative")]
    [InlineData("--plant", "transposed-weights@1", "needs a square layer; layer 1 is 2 -> 8")]
    [InlineData("--plant", "shifted-delta@9", "the network has 3 layer(s)")]
    public void Bad_flags_give_exit_2_and_one_clear_message(string flag, string value, string expected)
    {
        var (exit, output, error) = GradCheck(flag, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_sweep_entry_that_names_no_entry_gives_exit_2()
    {
        var (exit, _, error) = GradCheck("--sweep-h", "--entry", "W1[9,1]");
        Assert.Equal(2, exit);
        Assert.Contains("entry 'W1[9,1]': W1 is 8 x 2", error);
    }

    [Fact]
    public void A_missing_network_file_gives_exit_2()
    {
        var (exit, _, error) = LabRunner.Run("gradcheck", "no-such.json", "--data", LabRunner.Example("xor.json"));
        Assert.Equal(2, exit);
        Assert.Contains("no-such.json", error);
    }
}
