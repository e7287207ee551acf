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

    public static TheoryData<string, string> UnwritableTargets() => new()
    {
        { "{dir}", "is a folder" },
        { "{dir}/missing/trained.json", "/missing does not exist" },
        { "/proc/version", "cannot create a file in /proc" },
    };

    [Theory]
    [MemberData(nameof(UnwritableTargets))]
    public void A_save_target_that_cannot_be_written_is_refused_before_training(string target, string expected)
    {
        string save = target.Replace("{dir}", Path, StringComparison.Ordinal);
        string before = File.Exists(save) ? File.ReadAllText(save) : "";
        var (exit, output, error) = LabRunner.Run("train", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"), "--steps", "5", "--save", save);
        Assert.Equal(2, exit);
        Assert.Contains($"error: --save: ", error);
        Assert.Contains(expected, error);
        Assert.Equal("", output); // no training ran
        Assert.Empty(Directory.GetFiles(Path, "*.tmp*", SearchOption.AllDirectories));
        Assert.Equal(before, File.Exists(save) ? File.ReadAllText(save) : "");
    }

    [Fact]
    public void Saving_over_the_network_being_trained_needs_force()
    {
        string net = System.IO.Path.Combine(Path, "net.json");
        File.Copy(LabRunner.Example("xor-tanh.json"), net);
        string original = File.ReadAllText(net);
        string[] args = ["train", net, "--data", LabRunner.Example("xor.json"), "--steps", "5", "--save", net];
        var (exit, output, error) = LabRunner.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains("would replace the network being trained; give another file, or --force to replace it", error);
        Assert.Equal("", output);
        Assert.Equal(original, File.ReadAllText(net));

        var (forced, _, _) = LabRunner.Run([.. args, "--force"]);
        Assert.Equal(0, forced);
        Assert.Contains("\"weights\"", File.ReadAllText(net));
    }

    [Fact]
    public void A_symlink_planted_at_a_temporary_name_is_not_followed()
    {
        string saved = System.IO.Path.Combine(Path, "trained.json");
        string victim = Write("victim.txt", "precious");
        // Where a writer with a predictable temporary name would write first.
        foreach (string name in new[] { $"{saved}.tmp-{Environment.ProcessId}", $"{saved}.tmp" })
        {
            File.CreateSymbolicLink(name, victim);
        }
        var (exit, _, error) = LabRunner.Run("train", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"), "--steps", "5", "--save", saved);
        Assert.True(exit == 0, error);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(saved).LinkTarget);
        Assert.Equal(0, LabRunner.Run("grad", saved, "--data", LabRunner.Example("xor.json")).Exit);
        Assert.Empty(Directory.GetFiles(Path, ".trained.json.*"));
    }
}
