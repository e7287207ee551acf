using Backprop.Core.Networks;
using Backprop.Core.Serialization;

namespace Backprop.Core.Tests.Serialization;

/// <summary>Residual and normalised networks in network files: read, built, written and read back.</summary>
public class ArchitectureFileTests
{
    private const string Residual = """
        { "inputs": 2, "architecture": "residual", "block_depth": 2, "residual_scale": "1/sqrt(L)", "block_form": "post", "norm": "layernorm",
          "layers": [ { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "relu" },
                      { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "relu", "norm_gain": [1, 2, 3, 4] }, { "units": 1 } ],
          "seed": 3 }
        """;

    [Fact]
    public void A_residual_file_builds_the_stem_the_blocks_and_the_norms_it_names()
    {
        Mlp network = Parse(Residual).Build();
        Assert.Equal([(1, 2), (3, 4)], network.Blocks.Select(b => (b.First, b.Last)));
        Assert.All(network.Blocks, b => Assert.Equal(1 / Math.Sqrt(2), b.Scale, 15));
        // Post form: the activation written on a block's last layer is applied after the sum.
        Assert.Equal([Activation.Relu, Activation.Relu], network.Blocks.Select(b => b.After));
        Assert.Equal([1.0, 2, 3, 4], network.Layers[4].NormGain);
        Assert.Equal(Normalization.None, network.Layers[5].Norm);
    }

    [Fact]
    public void A_written_residual_network_reads_back_as_the_same_function()
    {
        Mlp network = Parse(Residual).Build();
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.json");
        try
        {
            NetworkWriter.Save(path, network, Loss.MeanSquaredError);
            Mlp again = NetworkDefinition.Load(path).Build();
            double[] x = [0.3, -1.2, 2.0, 0.5];
            Assert.Equal(network.Forward(x, 2).ToArray(), again.Forward(x, 2).ToArray());
            Assert.Equal(network.Blocks, again.Blocks);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{ "inputs": 2, "architecture": "residual", "layers": [ { "units": 4 }, { "units": 4 }, { "units": 1 } ] }""", "not 1 plus a multiple of 2 (try 1 or 3)")]
    [InlineData("""{ "inputs": 2, "architecture": "residual", "block_depth": 1, "layers": [ { "units": 4 }, { "units": 5 }, { "units": 1 } ] }""", "the stem's width (4 units)")]
    [InlineData("""{ "inputs": 2, "block_depth": 1, "layers": [ { "units": 1 } ] }""", "block_depth applies to \"architecture\": \"residual\" only")]
    [InlineData("""{ "inputs": 2, "architecture": "residual", "layers": [ { "units": 1 } ] }""", "needs a hidden layer before its output")]
    [InlineData("""{ "inputs": 2, "norm": "batch_norm", "layers": [ { "units": 2 }, { "units": 1 } ] }""", "batchnorm is not offered: in training mode it couples the examples of a batch")]
    [InlineData("""{ "inputs": 2, "architecture": "resnet", "layers": [ { "units": 1 } ] }""", "unknown architecture \"resnet\"")]
    [InlineData("""{ "inputs": 2, "architecture": "residual", "residual_scale": "1/depth", "layers": [ { "units": 1 } ] }""", "expected a residual scale")]
    [InlineData("""{ "inputs": 2, "layers": [ { "units": 2, "norm_gain": [1, 1] }, { "units": 1 } ] }""", "need \"norm\": \"layernorm\"")]
    [InlineData("""{ "inputs": 2, "norm": "layernorm", "layers": [ { "units": 2 }, { "units": 1, "norm_bias": [0] } ] }""", "the output layer has no norm")]
    public void A_bad_architecture_is_refused_with_a_message_that_says_what_to_change(string json, string expected)
    {
        InputFileException e = Assert.Throws<InputFileException>(() => Parse(json));
        Assert.Contains(expected, e.Message);
    }

    private static NetworkDefinition Parse(string json)
    {
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            return NetworkDefinition.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
