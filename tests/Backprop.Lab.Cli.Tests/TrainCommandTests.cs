using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class TrainCommandTests : TempDirectory
{
    [Fact]
    public void Xor_example_trains_to_a_small_loss_and_saves_a_loadable_network()
    {
        string saved = System.IO.Path.Combine(Path, "trained.json");
        var (exit, output, error) = LabRunner.Run("train", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"),
            "--steps", "2000", "--optimizer", "adam", "--lr", "0.02", "--save", saved);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        string finalLine = output.Split('\n').Single(l => l.StartsWith("final J = ", StringComparison.Ordinal));
        double final = double.Parse(finalLine["final J = ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(final < 0.01, $"XOR loss after training was {final}");
        var (gradExit, gradOutput, _) = LabRunner.Run("grad", saved, "--data", LabRunner.Example("xor.json"), "--json");
        Assert.Equal(0, gradExit);
        Assert.Contains("\"J\"", gradOutput);
    }

    [Fact]
    public void Divergence_is_reported_with_its_step_and_exit_code_3()
    {
        string net = System.IO.Path.Combine(Path, "net.json");
        File.WriteAllText(net, """{ "inputs": 1, "layers": [ { "units": 1, "weights": [[1]] } ] }""");
        string batch = System.IO.Path.Combine(Path, "batch.json");
        File.WriteAllText(batch, """{ "inputs": [[10]], "targets": [[1]] }""");
        // With x = 10 the loss is quadratic in w with curvature 2 x^2 = 200: any lr > 0.01 makes SGD blow up.
        var (exit, output, _) = LabRunner.Run("train", net, "--data", batch, "--lr", "1", "--steps", "1000");
        Assert.Equal(3, exit);
        Assert.Matches(@"diverged at step \d+", output);
    }

    [Theory]
    [InlineData("--steps", "0")]
    [InlineData("--lr", "0")]
    [InlineData("--lr", "NaN")]
    [InlineData("--record", "-1")]
    [InlineData("--momentum", "1")]
    public void Bad_training_flags_exit_2(string flag, string value)
    {
        var (exit, _, error) = LabRunner.Run("train", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"), flag, value);
        Assert.Equal(2, exit);
        Assert.Contains(flag, error);
    }
}
