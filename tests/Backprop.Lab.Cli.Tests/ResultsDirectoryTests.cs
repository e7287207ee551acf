using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Results;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>How a results folder saves: new results are appended; a changed or torn trials.jsonl is written whole.</summary>
public sealed class ResultsDirectoryTests : TempDirectory
{
    private static TrialResult Trained(int seed) =>
        TrialRunner.Run(new TrialConfig { Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 2, Seed = (ulong)seed });

    private ResultsDirectory NewFolder() => ResultsDirectory.Create(System.IO.Path.Combine(Path, "out"), "{}");

    [Fact]
    public void A_save_appends_to_the_trials_file_it_wrote_before()
    {
        ResultsDirectory results = NewFolder();
        results.Add(Trained(1));
        results.Flush();
        // A handle opened now sees an append (same file, longer); a file renamed over this one would stay unseen.
        using var before = new FileStream(results.TrialsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long firstLength = before.Length;
        results.Add(Trained(2));
        results.Add(Trained(3));
        results.Flush();
        Assert.True(before.Length > firstLength, "the second save replaced trials.jsonl instead of appending to it");
        Assert.Equal(new FileInfo(results.TrialsFile).Length, before.Length);
        Assert.Equal(3, File.ReadAllLines(results.TrialsFile).Length);
        Assert.Equal(4, File.ReadAllLines(results.SummaryFile).Length); // header and three rows
        Assert.Equal(3, ResultsDirectory.Open(results.Path).All().Count);
    }

    [Fact]
    public void A_failed_record_already_saved_is_replaced_not_followed_by_a_second_one()
    {
        ResultsDirectory results = NewFolder();
        TrialResult ok = Trained(1);
        results.Add(TrialResult.FailedWith(ok.Key, ok.Config, new InvalidOperationException("lost"), 0));
        results.Add(Trained(2));
        results.Flush();
        results.Add(ok);
        results.Flush();
        string[] lines = File.ReadAllLines(results.TrialsFile);
        Assert.Equal(2, lines.Length);
        Assert.Single(lines, l => l.Contains(ok.Key, StringComparison.Ordinal));
        Assert.All(ResultsDirectory.Open(results.Path).All(), r => Assert.Equal(Outcome.Ok, r.Outcome));
    }

    [Fact]
    public void A_trials_file_without_a_final_newline_is_written_whole_before_anything_is_appended()
    {
        ResultsDirectory first = NewFolder();
        first.Add(Trained(1));
        first.Add(Trained(2));
        first.Flush();
        // Every line readable, but no newline after the last: an append would run on from it.
        File.WriteAllText(first.TrialsFile, File.ReadAllText(first.TrialsFile).TrimEnd('\n'));
        ResultsDirectory resumed = ResultsDirectory.Open(first.Path);
        Assert.Empty(resumed.Quarantined);
        resumed.Add(Trained(3));
        resumed.Flush();
        Assert.Equal(3, File.ReadAllLines(resumed.TrialsFile).Length);
        Assert.Equal(3, ResultsDirectory.Open(first.Path).All().Count);
    }

    [Fact]
    public void A_result_read_from_a_line_is_saved_as_that_line_unless_it_spans_several()
    {
        ResultsDirectory results = NewFolder();
        TrialResult one = Trained(1), two = Trained(2);
        // A silo's line with its fields in another order (another serialiser's choice): kept as sent.
        string sent = System.Text.Json.Nodes.JsonNode.Parse(ResultFormat.ToJsonLine(one))!.AsObject()
            .OrderByDescending(p => p.Key, StringComparer.Ordinal)
            .Aggregate(new System.Text.Json.Nodes.JsonObject(), (o, p) => { o[p.Key] = p.Value?.DeepClone(); return o; })
            .ToJsonString();
        Assert.NotEqual(ResultFormat.ToJsonLine(one), sent);
        Assert.NotNull(ResultFormat.FromJsonLine(sent, out _));
        // Valid JSON across two lines would break trials.jsonl: serialised again instead.
        string indented = System.Text.Json.Nodes.JsonNode.Parse(ResultFormat.ToJsonLine(two))!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        results.Add(one, sent);
        results.Add(two, indented);
        results.Flush();
        string[] lines = File.ReadAllLines(results.TrialsFile);
        Assert.Equal([sent, ResultFormat.ToJsonLine(two)], lines);
        Assert.Equal([one.Key, two.Key], ResultsDirectory.Open(results.Path).All().Select(r => r.Key));
    }
}

/// <summary>Default results folders: two runs never share one, even when both start in the same second.</summary>
public sealed class ResultsFolderNamingTests : TempDirectory
{
    [Fact]
    public void Runs_that_pick_the_same_default_name_get_distinct_folders()
    {
        SweepSpec spec = SweepFile.Load(Write("s.json", """{ "name": "s", "base": { "depth": 1, "width": 2 } }"""));
        string stem = System.IO.Path.Combine(Path, "results", "s-20261206-101010");

        Prepared first = ResultsFolders.Fresh(spec, stem);
        // A third run saw the next name free and created it, but has not written to it yet: the lock decides.
        Directory.CreateDirectory(stem + "-2");
        using ResultsFolderLock racing = ResultsFolderLock.Acquire(stem + "-2");
        Prepared second = ResultsFolders.Fresh(spec, stem);

        Assert.Equal(stem, first.Results.Path);
        Assert.Equal(stem + "-3", second.Results.Path);
        Assert.True(File.Exists(System.IO.Path.Combine(stem + "-3", "sweep.json")));
        first.Lock.Dispose();
        second.Lock.Dispose();
    }
}
