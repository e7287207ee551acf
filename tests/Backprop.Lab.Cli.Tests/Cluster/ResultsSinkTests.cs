using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Contracts;
using Backprop.Lab.Grains;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests.Cluster;

/// <summary>
/// The client's results folder keeps each trial once, whatever the cluster sends again: a stream opened again sends every
/// unacknowledged result, and a new SweepGrain activation may run a trial again.
/// </summary>
public sealed class ResultsSinkTests : TempDirectory
{
    private static readonly TrialConfig Good = new() { Depth = 1, Width = 2, Dataset = "gaussian", Samples = 2, BatchSize = 2, Steps = 1 };
    private static readonly TrialConfig Other = Good with { Seed = 1 };
    private static readonly TrialConfig Bad = Good with { Activation = "no-such-activation" };

    private readonly RecordingView _view = new();

    [Fact]
    public void A_result_sent_twice_is_saved_and_counted_once()
    {
        ResultsSink sink = NewSink(out ResultsDirectory results, Good, Other);
        CompletedTrial result = Completed(1, SweepExecutor.RunOne(Good));
        sink.Received(result, Submission(Good));
        sink.Received(result, null);
        sink.Received(result with { Sequence = 7 }, Submission(Good));
        Assert.True(sink.Flush());
        Assert.Single(File.ReadAllLines(results.TrialsFile));
        Assert.Equal([1L], _view.Numbers);
    }

    [Fact]
    public void A_failure_sent_again_keeps_the_first_error_and_a_later_success_replaces_it_without_a_second_count()
    {
        ResultsSink sink = NewSink(out ResultsDirectory results, Bad, Good);
        TrialResult thrown = SweepExecutor.RunOne(Bad);
        sink.Received(Completed(1, thrown), Submission(Bad));
        sink.Received(new CompletedTrial(2, Bad.Key(), true, ""), Submission(Bad)); // the same trial, reported lost this time
        Assert.True(sink.Flush());
        TrialResult saved = Assert.Single(ResultsDirectory.Open(results.Path).All());
        Assert.Contains("no-such-activation", saved.Error, StringComparison.Ordinal);

        // Bad's key with a success (as if the trial had been fixed): it replaces the failure, and is not counted again.
        TrialResult success = SweepExecutor.RunOne(Good) with { Key = Bad.Key(), Config = Bad };
        sink.Received(new CompletedTrial(3, Bad.Key(), false, ResultFormat.ToJsonLine(success)), null);
        Assert.True(sink.Flush());
        Assert.Equal(Outcome.Ok, Assert.Single(ResultsDirectory.Open(results.Path).All()).Outcome);
        Assert.Equal([1L, 1L], _view.Numbers);
    }

    [Fact]
    public void A_lost_trial_is_saved_as_failed_when_this_client_submitted_it_and_left_to_run_again_when_it_did_not()
    {
        ResultsSink sink = NewSink(out ResultsDirectory results, Good, Other);
        sink.Received(new CompletedTrial(1, Good.Key(), true, ""), null); // an earlier client's: not saved, so it runs again
        sink.Received(new CompletedTrial(2, Other.Key(), true, ""), Submission(Other));
        Assert.True(sink.Flush());
        TrialResult failed = Assert.Single(ResultsDirectory.Open(results.Path).All());
        Assert.Equal((Other.Key(), Outcome.Failed), (failed.Key, failed.Outcome));
        Assert.Contains("lost its silo or failed 3 times", failed.Error, StringComparison.Ordinal);
        // Both still count as unsaved: the first has no result, and a failure on disk runs again on resume.
        Assert.Equal([Good.Key(), Other.Key()], sink.Unsaved().Select(t => t.Submission.TrialKey));
    }

    [Fact]
    public void A_result_of_a_trial_the_sweep_file_does_not_have_is_ignored()
    {
        ResultsSink sink = NewSink(out ResultsDirectory results, Good);
        sink.Received(Completed(1, SweepExecutor.RunOne(Other)), null);
        sink.Received(new CompletedTrial(2, Good.Key(), false, ResultFormat.ToJsonLine(SweepExecutor.RunOne(Other))), Submission(Good)); // key and line disagree
        Assert.True(sink.Flush());
        Assert.Empty(ResultsDirectory.Open(results.Path).All());
        Assert.Empty(_view.Numbers);
    }

    private ResultsSink NewSink(out ResultsDirectory results, params TrialConfig[] grid)
    {
        results = ResultsDirectory.Create(System.IO.Path.Combine(Path, "out"), "{}");
        results.EnsureSweepId("test");
        return new ResultsSink(results, _view, new TrialList([.. grid.Select(c => new Trial(c.Key(), c))]), 3, TimeSpan.FromMinutes(1));
    }

    private static CompletedTrial Completed(long sequence, TrialResult result) =>
        new(sequence, result.Key, result.Outcome == Outcome.Failed, ResultFormat.ToJsonLine(result));

    private static TrialSubmission Submission(TrialConfig config) => new(config.Key(), TrialJson.Write(config));

    private sealed class RecordingView : ISweepView
    {
        public List<long> Numbers { get; } = [];

        public void TrialFinished(TrialResult result, long finished, long total) => Numbers.Add(finished);

        public void Update(SweepCounts counts)
        {
        }

        public void Message(string text)
        {
        }
    }
}
