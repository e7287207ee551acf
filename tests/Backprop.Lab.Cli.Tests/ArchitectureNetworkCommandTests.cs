using System.Text.Json;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>lab grad, lab gradcheck and lab explain --net on residual and layernorm network files.</summary>
public sealed class ArchitectureNetworkCommandTests : TempDirectory
{
    // A stem and two one-layer blocks (layers 2 and 3), then a linear readout.
    private const string Residual = """
        { "inputs": 2, "architecture": "residual", "block_depth": 1, "residual_scale": "0.5",
          "layers": [ { "units": 2, "activation": "tanh" }, { "units": 2, "activation": "tanh" }, { "units": 2, "activation": "tanh" }, { "units": 1 } ],
          "loss": "mse", "seed": 3 }
        """;

    private const string Batch = """{ "inputs": [[0.5, -1], [1, 0.3], [-0.2, 0.8]], "targets": [[0.2], [-0.4], [0.1]] }""";

    private string Net(bool norm) => Write(norm ? "normed.json" : "residual.json", norm ? Residual.Replace("\"seed\": 3", "\"seed\": 3, \"norm\": \"layernorm\"", StringComparison.Ordinal) : Residual);

    private string Data => Write("batch.json", Batch);

    [Fact]
    public void Grad_prints_the_norms_gradients_and_the_blocks()
    {
        var (exit, output, error) = LabRunner.Run("grad", Net(norm: true), "--data", Data);
        Assert.Equal((0, ""), (exit, error));
        Assert.Contains("network  2 inputs -> 2 (layernorm, tanh) -> 2 (layernorm, tanh) -> 2 (layernorm, tanh) -> 1 (identity); residual blocks 2, 3 (pre, alpha 0.5)", output);
        Assert.Contains("layer 2  2 -> 2, tanh, layernorm, a residual block of its own", output);
        Assert.Contains("  dJ/dgamma[2]  ", output);
        Assert.Contains("  dJ/dbeta[3]  ", output);

        var (jsonExit, json, _) = LabRunner.Run("grad", Net(norm: true), "--data", Data, "--json");
        Assert.Equal(0, jsonExit);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement layer2 = doc.RootElement.GetProperty("layers")[1];
        Assert.Equal("layernorm", layer2.GetProperty("norm").GetString());
        Assert.Equal(2, layer2.GetProperty("dgamma").GetArrayLength());
        Assert.False(doc.RootElement.GetProperty("layers")[3].TryGetProperty("dgamma", out _));
        Assert.Equal([2, 3], doc.RootElement.GetProperty("blocks").EnumerateArray().Select(b => b.GetProperty("first").GetInt32()));
    }

    [Fact]
    public void Gradcheck_passes_a_residual_layernorm_file_checking_the_gains_and_biases()
    {
        var (exit, output, error) = LabRunner.Run("gradcheck", Net(norm: true), "--data", Data, "--threads", "2");
        Assert.Equal((0, ""), (exit, error));
        Assert.Contains("gamma2         2        2", output);
        Assert.Contains("beta3          2        2", output);
        Assert.Contains("verdict  PASS", output);
    }

    [Theory]
    [InlineData("skip-not-added@2", "verdict  FAIL: residual block 2 (layer 3): skip sum at the block's input: dJ/dh[2] passed down wrong: it is the branch's dJ/dx alone")]
    [InlineData("norm-missing-mean@2", "verdict  FAIL: layer 2 (layernorm, tanh): layernorm backward dJ/dz[2]")]
    public void Gradcheck_catches_the_planted_skip_and_norm_bugs_and_names_where(string bug, string verdict)
    {
        var (exit, output, _) = LabRunner.Run("gradcheck", Net(norm: true), "--data", Data, "--threads", "2", "--plant", bug);
        Assert.Equal(4, exit);
        Assert.Contains(verdict, output);
    }

    [Fact]
    public void A_skip_bug_in_a_network_without_so_many_blocks_is_bad_input()
    {
        var (exit, _, error) = LabRunner.Run("gradcheck", Net(norm: false), "--data", Data, "--plant", "skip-not-added@3");
        Assert.Equal(2, exit);
        Assert.Contains("the network has 2 block(s)", error);
    }

    [Fact]
    public void Explain_lists_the_paths_the_skips_add_and_their_sum_is_backprop()
    {
        var (exit, output, error) = LabRunner.Run("explain", "--net", Net(norm: false), "--data", Data, "--wrt", "w11[1]");
        Assert.Equal((0, ""), (exit, error));
        // From a stem unit each one-layer block of width 2 offers 2 paths through its branch and 1 along its skip: (2 + 1)^2.
        Assert.Contains("dL/dw11[1]: a sum over 9 paths", output);
        Assert.Contains("a path may jump a residual block along its skip", output);
        Assert.Contains(output.Split('\n'), l => l.EndsWith(": -2(y - y_hat) w11[4] tanh'(z1[1]) x1", StringComparison.Ordinal)); // along both skips
        string difference = output.Split('\n').Single(l => l.Contains("path sum - backprop", StringComparison.Ordinal));
        double value = double.Parse(difference[(difference.LastIndexOf('=') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(value) < 1e-12, difference);
    }

    [Fact]
    public void Explain_refuses_a_layernorm_network_with_one_sentence_saying_why()
    {
        var (exit, output, error) = LabRunner.Run("explain", "--net", Net(norm: true), "--data", Data, "--wrt", "w11[1]");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("with layernorm every unit of a row feeds every other unit of it through the row's mean and variance", error);
        Assert.DoesNotContain("   at ", error);
    }
}
