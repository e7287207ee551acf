using System.Globalization;
using System.Text;
using System.Text.Json;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Backprop.Lab.Cli.Commands;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// lab grad on a batch of more than one chunk (<see cref="Mlp.ChunkRows"/>) prints what one pass over the whole batch
/// gives: the per-example deltas and dJ/dx bit for bit, dJ/dW and dJ/db up to the order of their additions.
/// </summary>
public sealed class GradChunkTests : TempDirectory
{
    private const int Examples = 10_000; // a chunk of 8,192 rows and one of 1,808

    private (string Net, string Batch, NetworkDefinition Definition, Mlp OnePass, double J) Problem()
    {
        string net = Write("net.json", """
            { "inputs": 3, "loss": "softmax_cross_entropy", "seed": 5, "init": { "weights": "xavier_normal" },
              "layers": [ { "units": 4, "activation": "tanh" }, { "units": 2, "activation": "identity" } ] }
            """);
        var random = new Random(2);
        var text = new StringBuilder("{\"inputs\":[");
        text.AppendJoin(',', Enumerable.Range(0, Examples).Select(_ => string.Create(CultureInfo.InvariantCulture,
            $"[{random.NextDouble() - 0.5:R},{random.NextDouble() - 0.5:R},{random.NextDouble() - 0.5:R}]")));
        text.Append("],\"labels\":[").AppendJoin(',', Enumerable.Range(0, Examples).Select(_ => random.Next(2))).Append("]}");
        string batch = Write("batch.json", text.ToString());
        NetworkDefinition definition = NetworkDefinition.Load(net);
        Batch data = Batch.Load(batch, definition);
        Mlp onePass = definition.Build();
        double j = onePass.ComputeGradients(data.Inputs, data.Targets, data.Count, definition.Loss);
        return (net, batch, definition, onePass, j);
    }

    [Fact]
    public void Json_of_a_batch_of_two_chunks_matches_one_pass_over_the_batch()
    {
        var (net, batch, _, onePass, j) = Problem();
        var (exit, output, error) = LabRunner.Run("grad", net, "--data", batch, "--json", "--max-output", "none");
        Assert.True(exit == 0, error);
        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement root = document.RootElement;
        Assert.Equal(j, root.GetProperty("J").GetDouble(), Math.Abs(j) * 1e-12);
        for (int l = 0; l < onePass.Depth; l++)
        {
            DenseLayer layer = onePass.Layers[l];
            JsonElement printed = root.GetProperty("layers")[l];
            double[] dW = printed.GetProperty("dW").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetDouble()).ToArray();
            double[] db = printed.GetProperty("db").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            AssertClose(layer.WeightGradient, dW, $"dW[{l + 1}]");
            AssertClose(layer.BiasGradient, db, $"db[{l + 1}]");
            Assert.Equal(layer.Delta.ToArray(), Flatten(printed.GetProperty("delta")));
        }
        Assert.Equal(onePass.InputGradient.ToArray(), Flatten(root.GetProperty("dx")));
    }

    [Fact]
    public void Text_of_a_batch_of_two_chunks_prints_the_one_pass_deltas_and_input_gradient()
    {
        var (net, batch, _, onePass, _) = Problem();
        var (exit, output, error) = LabRunner.Run("grad", net, "--data", batch, "--deltas", "--max-output", "none");
        Assert.True(exit == 0, error);
        var expected = new StringWriter();
        Format.Matrix(expected, onePass.Layers[1].Delta, Examples, 2, "i", "j", "    ");
        Assert.Contains(expected.ToString(), output, StringComparison.Ordinal);
        expected = new StringWriter();
        Format.Matrix(expected, onePass.InputGradient, Examples, 3, "i", "k", "    ");
        Assert.EndsWith(expected.ToString(), output, StringComparison.Ordinal);
    }

    private static double[] Flatten(JsonElement matrix) =>
        matrix.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * Math.Abs(expected[i]), $"{name} entry {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
