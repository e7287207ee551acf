using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class LabAppTests : TempDirectory
{
    [Theory]
    [InlineData("an integer", "sweep", "x.json", "--parallel", "two")]
    [InlineData("an integer", "train", "net.json", "--data", "b.json", "--steps", "1.5")]
    [InlineData("a non-negative integer", "gradcheck", "net.json", "--data", "b.json", "--seed", "-1")]
    [InlineData("a number", "train", "net.json", "--data", "b.json", "--lr", "fast")]
    public void A_flag_value_of_the_wrong_kind_is_named_in_words_not_as_a_dotnet_type(string kind, params string[] args)
    {
        var (exit, _, error) = LabRunner.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains($"as {kind}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_a_sweep_file_is_printed_on_its_own_error_line()
    {
        string sweep = Write("bad.json", """{ "name": "bad", "name": "again", "base": { "depth": 0, "learning_rate": 1e308 } }""");
        var (exit, output, error) = LabRunner.Run("sweep", sweep, "--out", System.IO.Path.Combine(Path, "out"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        string[] lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal($"error: {sweep}: $.name: the key \"name\" appears more than once in this object; give each key once", lines[0]);
        Assert.Equal($"error: {sweep}: $.base.depth: expected an integer from 1 to 10000, found 0", lines[1]);
        Assert.Equal($"error: {sweep}: $.base.learning_rate: expected a learning rate greater than 0 and at most 1000000, found 1E+308", lines[2]);
    }

    [Fact]
    public void A_sweep_file_with_a_byte_order_mark_runs_and_a_folder_is_called_a_folder()
    {
        string sweep = System.IO.Path.Combine(Path, "bom.json");
        File.WriteAllBytes(sweep, [0xEF, 0xBB, 0xBF, .. """{ "name": "bom", "base": { "depth": 1, "width": 2, "samples": 8, "steps": 1 } }"""u8]);
        var (exit, output, error) = LabRunner.Run("sweep", sweep, "--in-process", "--out", System.IO.Path.Combine(Path, "out"));
        Assert.True(exit == 0, error);
        Assert.Contains("1 trials: 1 ok", output, StringComparison.Ordinal);

        var (folder, _, folderError) = LabRunner.Run("sweep", Path, "--in-process");
        Assert.Equal(2, folder);
        Assert.Contains($"{Path}: $: is a folder, not a file", folderError, StringComparison.Ordinal);
    }
}
