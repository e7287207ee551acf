using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Results;
using Backprop.Lab.Contracts;
using Backprop.Lab.Grains;
using Serilog;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// Where a distributed sweep's results go: the results folder (trials.jsonl, summary.csv) and the progress view. Each trial
/// is kept once: a result sent again (a new stream sends every unacknowledged one) is dropped by its key, and a success
/// replaces a failure saved earlier in the run. While saving fails (a full disk) the user hears of it every ten seconds, and
/// after <paramref name="saveTimeout"/> the sweep stops with everything already saved kept.
/// </summary>
internal sealed class ResultsSink(ResultsDirectory results, ISweepView view, ITrialSequence grid, int maxAttempts, TimeSpan saveTimeout) : ISweepSink
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    // The keys on disk with a result (what resume skips), and the failures saved (kept unless a success comes).
    private readonly HashSet<string> _saved = new(results.All().Where(r => r.Outcome != Outcome.Failed).Select(r => r.Key), StringComparer.Ordinal);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private DateTime? _failingSince;
    private DateTime _lastWarned = DateTime.MinValue;

    private long _finished = -1; // results saved, counted from those on disk at the first new one

    /// <summary>The trials of the grid not yet on disk, in the grid's order, as the client submits them.</summary>
    public IEnumerable<SweepTrial> Unsaved() => grid.From().Where(t => !_saved.Contains(t.Key))
        .Select(t => new SweepTrial(new TrialSubmission(t.Key, TrialJson.Write(t.Config)), t.Config.EstimatedCost()));

    public bool AllSaved => _saved.Count >= grid.Count;

    public void Received(CompletedTrial completed, TrialSubmission? submitted)
    {
        if (_finished < 0)
        {
            _finished = _saved.Count;
        }
        if (_saved.Contains(completed.TrialKey) || (completed.Failed && _failed.Contains(completed.TrialKey)))
        {
            return;
        }
        if (Read(completed, submitted) is not TrialResult result)
        {
            return;
        }
        // The silo's own line goes to trials.jsonl: parsed here to check it and for summary.csv, not written anew.
        results.Add(result, completed.ResultJson);
        bool counted = !_failed.Remove(result.Key);
        (result.Outcome == Outcome.Failed ? _failed : _saved).Add(result.Key);
        LabMetrics.ResultsSaved.Add(1, LabMetrics.Sweep(results.SweepId));
        view.TrialFinished(result, counted ? ++_finished : _finished, grid.Count);
        Log.Debug("Trial {TrialKey} of sweep {SweepId} saved: {Outcome}", result.Key, results.SweepId, result.Outcome);
    }

    public void Progress(SweepCounts counts) => view.Update(counts);

    public bool Flush()
    {
        if (results.FlushIfDue(TimeSpan.Zero))
        {
            _failingSince = null;
            return true;
        }
        if (results.SaveProblem is not null)
        {
            _failingSince ??= DateTime.UtcNow;
            if (DateTime.UtcNow - _failingSince >= saveTimeout)
            {
                throw new ResultsNotSavedException(results);
            }
            if (DateTime.UtcNow - _lastWarned >= WarnEvery)
            {
                view.Message(results.WaitingMessage());
                _lastWarned = DateTime.UtcNow;
            }
        }
        return false;
    }

    /// <summary>The result of a trial this client submitted, or of one the SweepGrain held from an earlier client (its
    /// line names a trial of the grid); null for anything else.</summary>
    private TrialResult? Read(CompletedTrial completed, TrialSubmission? submitted)
    {
        if (completed.ResultJson.Length == 0)
        {
            if (submitted is null)
            {
                // Lost under an earlier client: not saved, so this run submits it again when its turn comes.
                return null;
            }
            var config = TrialJson.ReadConfig(submitted.ConfigJson);
            return TrialResult.FailedWith(completed.TrialKey, config, new InvalidOperationException($"the trial lost its silo or failed {maxAttempts} times"), 0);
        }
        TrialResult? result = ResultFormat.FromJsonLine(completed.ResultJson, out string? problem);
        if (result is null)
        {
            Log.Error("Sweep {SweepId}: unreadable result for trial {TrialKey}: {Problem}", results.SweepId, completed.TrialKey, problem);
            return null;
        }
        if (result.Key != completed.TrialKey || (submitted is null && grid.IndexOf(result.Key, result.Config) is null))
        {
            Log.Warning("Sweep {SweepId}: the cluster returned trial {TrialKey}, which this sweep file does not have; ignored", results.SweepId, completed.TrialKey);
            return null;
        }
        return result;
    }
}
