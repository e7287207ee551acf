using System.Text.Json;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class GradCommandTests : TempDirectory
{
    [Fact]
    public void Worked_example_network_text_output_shows_loss_and_path_sum_gradient()
    {
        var (exit, output, error) = LabRunner.Run("grad", LabRunner.Example("linear-2-2-1.json"), "--data", LabRunner.Example("linear-2-2-1-batch.json"));
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("J        42.25", output);
        // dL/dx2 = -2 (y - y_hat) (w11[2] w12[1] + w12[2] w22[1]) = -13 (1.5 (-0.25) + (-2)(1)) = 30.875.
        Assert.Contains("30.875", output);
        Assert.Contains("dJ/dw_jk^[2]", output);
    }

    [Fact]
    public void Json_output_has_every_gradient_at_full_precision()
    {
        var (exit, output, _) = LabRunner.Run("grad", LabRunner.Example("linear-2-2-1.json"), "--data", LabRunner.Example("linear-2-2-1-batch.json"), "--json");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(42.25, root.GetProperty("J").GetDouble());
        Assert.Equal("mse", root.GetProperty("loss").GetString());
        JsonElement layers = root.GetProperty("layers");
        Assert.Equal(2, layers.GetArrayLength());
        // dJ/dw_12^[2] = -2 (y - y_hat) h2 = -13 * 2.75.
        Assert.Equal(-35.75, layers[1].GetProperty("dW")[0][1].GetDouble());
        Assert.Equal(-13.0, layers[1].GetProperty("db")[0].GetDouble());
        Assert.Equal(30.875, root.GetProperty("dx")[0][1].GetDouble());
        Assert.Equal(1, layers[0].GetProperty("delta").GetArrayLength());
    }

    [Theory]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 0 } ] }", "$.layers[0].units")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"activation\": \"sigmoidd\" } ] }", "did you mean \"sigmoid\"")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"weights\": [[1, Infinity]] } ] }", "no NaN or Infinity")]
    public void Bad_network_file_exits_2_with_one_message_and_no_stack_trace(string text, string fragment)
    {
        string net = Write("net.json", text);
        string batch = Write("batch.json", """{ "inputs": [[1, 2]], "targets": [[1]] }""");
        var (exit, output, error) = LabRunner.Run("grad", net, "--data", batch);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(fragment, error);
        Assert.Contains("net.json", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Batch_shape_mismatch_exits_2_naming_the_batch_file()
    {
        string net = Write("net.json", """{ "inputs": 2, "layers": [ { "units": 1 } ] }""");
        string batch = Write("batch.json", """{ "inputs": [[1, 2, 3]], "targets": [[1]] }""");
        var (exit, _, error) = LabRunner.Run("grad", net, "--data", batch);
        Assert.Equal(2, exit);
        Assert.Contains("batch.json: $.inputs[0]: expected 2 values (the network has 2 inputs), found 3", error);
    }

    [Fact]
    public void Verbose_shows_the_stack_trace()
    {
        string net = Write("net.json", "{");
        string batch = Write("batch.json", "{}");
        var (exit, _, error) = LabRunner.Run("grad", net, "--data", batch, "--verbose");
        Assert.Equal(2, exit);
        Assert.Contains("   at ", error);
    }

    [Theory]
    [InlineData("grad")]                              // missing NET_FILE and --data
    [InlineData("grad", "x.json")]                    // missing --data
    [InlineData("frobnicate")]                        // unknown command
    [InlineData("train", "x.json", "-d", "y.json", "--steps", "many")]
    [InlineData("train", "x.json", "-d", "y.json", "--optimizer", "rmsprop")]
    public void Bad_flags_exit_2(params string[] args)
    {
        var (exit, _, error) = LabRunner.Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("grad", "--help")]
    [InlineData("train", "--help")]
    [InlineData("sweep", "--help")]
    [InlineData("silo", "--help")]
    [InlineData("report", "--help")]
    [InlineData("bench", "--help")]
    [InlineData("theory", "--help")]
    [InlineData("explain", "--help")]
    [InlineData("gradcheck", "--help")]
    public void Every_command_has_help(params string[] args)
    {
        var (exit, output, _) = LabRunner.Run(args);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
    }
}
