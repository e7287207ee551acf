using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Backprop.Tests.Shared;

namespace Backprop.Core.Tests.Serialization;

public sealed class NetworkFileTests : TempDirectory
{
    [Fact]
    public void Explicit_weights_are_loaded_as_w_jk()
    {
        string net = Write("net.json", """
            { "inputs": 2, "loss": "mse",
              "layers": [ { "units": 2, "activation": "identity", "weights": [[0.5, -0.25], [0.75, 1.0]], "biases": [0.1, 0.2] },
                          { "units": 1, "weights": [[1.5, -2.0]] } ] }
            """);
        Mlp network = NetworkDefinition.Load(net).Build();
        Assert.Equal(-0.25, network.Layers[0][0, 1]);  // w_12^[1]
        Assert.Equal(0.75, network.Layers[0][1, 0]);   // w_21^[1]
        Assert.Equal([0.1, 0.2], network.Layers[0].Biases);
        Assert.Equal([0.0], network.Layers[1].Biases);
        Assert.Equal(ActivationKind.Identity, network.Layers[1].Activation.Kind);
    }

    [Fact]
    public void Initialised_layers_follow_the_seed_and_initialiser()
    {
        string net = Write("net.json", """
            { "inputs": 3, "seed": 7, "init": { "weights": "he_normal", "sigma_b": 0.1 },
              "layers": [ { "units": 4, "activation": "relu" }, { "units": 2 } ] }
            """);
        Mlp a = NetworkDefinition.Load(net).Build();
        var b = new Mlp(3, [new LayerSpec(4, Activation.Relu), new LayerSpec(2, Activation.Identity)]);
        new Initializer(InitializerKind.HeNormal, SigmaB: 0.1).Initialize(b, 7);
        Assert.Equal(b.Layers[0].Weights, a.Layers[0].Weights);
        Assert.Equal(b.Layers[1].Biases, a.Layers[1].Biases);
    }

    [Fact]
    public void Sigma_w2_is_the_square_of_sigma_w()
    {
        NetworkDefinition d = NetworkDefinition.Load(Write("n.json", """{ "inputs": 1, "init": { "sigma_w2": 2.25 }, "layers": [ { "units": 1 } ] }"""));
        Assert.Equal(1.5, d.Initializer.SigmaW);
    }

    [Fact]
    public void Sigma_b2_is_the_square_of_sigma_b()
    {
        NetworkDefinition d = NetworkDefinition.Load(Write("n.json", """{ "inputs": 1, "init": { "sigma_b2": 0.09 }, "layers": [ { "units": 1 } ] }"""));
        Assert.Equal(0.3, d.Initializer.SigmaB, 15);
    }

    [Fact]
    public void Saved_network_loads_back_identically()
    {
        var network = new Mlp(3, [new LayerSpec(4, Activation.LeakyRelu(0.2)), new LayerSpec(2, Activation.Identity)]);
        new Initializer(InitializerKind.XavierUniform, SigmaB: 0.3).Initialize(network, 11);
        string path = System.IO.Path.Combine(Path, "saved.json");
        NetworkWriter.Save(path, network, Loss.SoftmaxCrossEntropy);
        NetworkDefinition d = NetworkDefinition.Load(path);
        Mlp loaded = d.Build();
        Assert.Equal(Loss.SoftmaxCrossEntropy, d.Loss);
        Assert.Equal(network.Layers[0].Activation, loaded.Layers[0].Activation);
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal(network.Layers[l].Weights, loaded.Layers[l].Weights);
            Assert.Equal(network.Layers[l].Biases, loaded.Layers[l].Biases);
        }
        Assert.Empty(Directory.GetFiles(Path, "*.tmp-*"));
    }

    [Theory]
    [InlineData("", "$", "empty")]
    [InlineData("[1, 2]", "$", "expected an object")]
    [InlineData("{ \"inputs\": 2, ", "$", "not valid JSON")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"weights\": [[1, NaN]] } ] }", "$", "no NaN")]
    [InlineData("{ \"layers\": [ { \"units\": 1 } ] }", "$", "missing field \"inputs\"")]
    [InlineData("{ \"inputs\": 0, \"layers\": [ { \"units\": 1 } ] }", "$.inputs", "found 0")]
    [InlineData("{ \"inputs\": -3, \"layers\": [ { \"units\": 1 } ] }", "$.inputs", "found -3")]
    [InlineData("{ \"inputs\": 2.5, \"layers\": [ { \"units\": 1 } ] }", "$.inputs", "found the number 2.5")]
    [InlineData("{ \"inputs\": \"2\", \"layers\": [ { \"units\": 1 } ] }", "$.inputs", "found the string \"2\"")]
    [InlineData("{ \"inputs\": 2, \"layers\": [] }", "$.layers", "non-empty")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 0 } ] }", "$.layers[0].units", "found 0")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"activation\": \"tanhh\" } ] }", "$.layers[0].activation", "did you mean \"tanh\"")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"activation\": \"abss\" } ] }", "$.layers[0].activation", "did you mean \"abs\"")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"unit\": 1 } ] }", "$.layers[0].unit", "did you mean \"units\"")]
    [InlineData("{ \"inputs\": 2, \"loss\": \"hinge\", \"layers\": [ { \"units\": 1 } ] }", "$.loss", "unknown loss \"hinge\"")]
    [InlineData("{ \"inputs\": 2, \"init\": { \"weights\": \"he\" }, \"layers\": [ { \"units\": 1 } ] }", "$.init.weights", "unknown initialiser")]
    [InlineData("{ \"inputs\": 2, \"init\": { \"sigma_w\": -1 }, \"layers\": [ { \"units\": 1 } ] }", "$.init.sigma_w", "sigma_w >= 0")]
    [InlineData("{ \"inputs\": 2, \"init\": { \"sigma_w\": 1, \"sigma_w2\": 1 }, \"layers\": [ { \"units\": 1 } ] }", "$.init.sigma_w2", "not both")]
    [InlineData("{ \"inputs\": 2, \"init\": { \"sigma_b\": 1, \"sigma_b2\": 1 }, \"layers\": [ { \"units\": 1 } ] }", "$.init.sigma_b2", "give either sigma_b (the std) or sigma_b2 (the variance), not both")]
    [InlineData("{ \"inputs\": 2, \"init\": { \"sigma_b2\": -1 }, \"layers\": [ { \"units\": 1 } ] }", "$.init.sigma_b2", "sigma_b^2 >= 0")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 2, \"weights\": [[1, 2]] } ] }", "$.layers[0].weights", "expected 2 rows")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"weights\": [[1, 2, 3]] } ] }", "$.layers[0].weights[0]", "expected 2 values")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"weights\": [[1, \"a\"]] } ] }", "$.layers[0].weights[0][1]", "finite number")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 1, \"weights\": [[1, 1e400]] } ] }", "$.layers[0].weights[0][1]", "outside the range")]
    [InlineData("{ \"inputs\": 2, \"layers\": [ { \"units\": 2, \"biases\": [1] } ] }", "$.layers[0].biases", "expected 2 values")]
    [InlineData("{ \"inputs\": 100000, \"layers\": [ { \"units\": 100000 } ] }", "$.layers[0]", "refusing to allocate")]
    public void Bad_network_files_name_the_field_and_what_was_expected(string text, string path, string fragment)
    {
        string file = Write("bad.json", text);
        var e = Assert.Throws<InputFileException>(() => NetworkDefinition.Load(file));
        Assert.Equal(file, e.File);
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith($"{file}: {path}: ", e.Message);
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var e = Assert.Throws<InputFileException>(() => NetworkDefinition.Load(System.IO.Path.Combine(Path, "none.json")));
        Assert.Contains("file not found", e.Message);
    }

    [Theory]
    [InlineData("{ \"inputs\": [[1, 2]], \"targets\": [[1]] }", null, null)]
    [InlineData("{ \"inputs\": [[1, 2], [3]], \"targets\": [[1], [2]] }", "$.inputs[1]", "expected 2 values (the network has 2 inputs)")]
    [InlineData("{ \"inputs\": [[1, 2]], \"targets\": [[1], [2]] }", "$.targets", "expected 1 rows")]
    [InlineData("{ \"inputs\": [[1, 2]], \"targets\": [[1, 2]] }", "$.targets[0]", "the network has 1 outputs")]
    [InlineData("{ \"inputs\": [[1, 2]] }", "$", "missing field \"targets\"")]
    [InlineData("{ \"inputs\": [], \"targets\": [] }", "$.inputs", "non-empty")]
    [InlineData("{ \"inputs\": [[1, 2]], \"labels\": [1] }", "$.labels[0]", "class index from 0 to 0")]
    [InlineData("{ \"inputs\": [[1, 2]], \"targetz\": [[1]] }", "$.targetz", "did you mean \"targets\"")]
    public void Batch_files_are_checked_against_the_network(string text, string? path, string? fragment)
    {
        NetworkDefinition network = NetworkDefinition.Load(Write("n.json", """{ "inputs": 2, "layers": [ { "units": 1 } ] }"""));
        string file = Write("batch.json", text);
        if (path is null)
        {
            Batch batch = Batch.Load(file, network);
            Assert.Equal(1, batch.Count);
            return;
        }
        var e = Assert.Throws<InputFileException>(() => Batch.Load(file, network));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(fragment!, e.Message);
    }

    [Fact]
    public void Labels_become_one_hot_targets()
    {
        NetworkDefinition network = NetworkDefinition.Load(Write("n.json", """{ "inputs": 1, "loss": "cross_entropy", "layers": [ { "units": 3 } ] }"""));
        Batch batch = Batch.Load(Write("b.json", """{ "inputs": [[0], [1]], "labels": [2, 0] }"""), network);
        Assert.Equal([0.0, 0, 1, 1, 0, 0], batch.Targets);
    }
}
