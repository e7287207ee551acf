using System.Text.Json;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// lab grad and lab train on a batch of 300,000 examples (3 MB of JSON) under a heap ceiling of 16 MB: the data as
/// doubles is 7 MB, so a reader that holds the file as a document and lists of rows (tens of times the file), a writer
/// that builds the whole JSON output first, or a network whose buffers are sized to the full batch rather than to a
/// chunk (the 2-2-1 network's are some 40 MB for 300,000 examples) fails.
/// </summary>
public sealed class BatchMemoryTests : TempDirectory
{
    private const int Examples = 300_000;
    private static readonly Dictionary<string, string> Ceiling = new() { ["DOTNET_GCHeapHardLimit"] = "0x1000000" };

    [Fact]
    [Trait("Category", "Slow")]
    public void Grad_json_streams_a_large_batch_within_the_ceiling()
    {
        string batch = Write("batch.json", BoundedOutputTests.BatchJson(Examples));
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "grad", LabRunner.Example("linear-2-2-1.json"), "--data", batch, "--json", "--max-output", "none");
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        Assert.Equal(Examples, document.RootElement.GetProperty("batch").GetInt32());
        Assert.Equal(Examples, document.RootElement.GetProperty("dx").GetArrayLength());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Train_reads_a_large_batch_within_the_ceiling()
    {
        string batch = Write("batch.json", BoundedOutputTests.BatchJson(Examples));
        var (exit, stdout, stderr) = LabChildProcess.Run(Ceiling, Path, "train", LabRunner.Example("linear-2-2-1.json"), "--data", batch, "--steps", "1");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"on {Examples} examples", stdout, StringComparison.Ordinal);
        Assert.Contains("final J = ", stdout, StringComparison.Ordinal);
    }
}
