using Backprop.Core.Experiments;
using Backprop.Lab.Contracts;
using Spectre.Console;

namespace Backprop.Lab.Cli.Commands;

/// <summary>What a running sweep shows the user: a live display on a terminal, plain lines otherwise.</summary>
internal interface ISweepView
{
    void TrialFinished(TrialResult result, int finished, int total);

    void Update(SweepCounts counts);

    void Message(string text);
}

/// <summary>One line per event, for pipes, CI logs and tests; each trial's label names every axis in <paramref name="axes"/>.</summary>
internal sealed class PlainSweepView(TextWriter output, IReadOnlyList<string> axes) : ISweepView
{
    private int _restarts;

    public void TrialFinished(TrialResult result, int finished, int total) =>
        output.WriteLine($"[{finished}/{total}] {SweepTable.Describe(result, axes)}");

    public void Update(SweepCounts counts)
    {
        if (counts.Restarts > _restarts)
        {
            output.WriteLine($"restarted {counts.Restarts - _restarts} trial(s) whose silo was lost or whose attempt failed ({counts.Restarts} in all)");
            _restarts = counts.Restarts;
        }
    }

    public void Message(string text) => output.WriteLine(text);
}

/// <summary>
/// Spectre.Console's live progress bar (done of total, ETA) with the counts of running, diverged and failed trials and
/// of the regimes in its description; finished trials scroll above it. Outcomes and regimes are counted from the
/// results shown (the last one of each trial, as in trials.jsonl), the same way as the table at the end.
/// </summary>
internal sealed class LiveSweepView(ProgressTask task, IReadOnlyList<string> axes) : ISweepView
{
    private readonly Dictionary<string, TrialResult> _latest = new(StringComparer.Ordinal);
    private ResultCounts _tally = ResultCounts.Of([]);
    private SweepCounts? _counts;
    private int _finished;

    public static async Task<T> RunAsync<T>(int total, IReadOnlyList<TrialResult> done, IReadOnlyList<string> axes, Func<ISweepView, Task<T>> body) =>
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("trials", maxValue: Math.Max(1, total));
                task.Value = done.Count;
                var view = new LiveSweepView(task, axes) { _finished = done.Count };
                foreach (TrialResult r in done)
                {
                    view.Count(r);
                }
                view.Describe(total);
                T result = await body(view);
                task.Value = task.MaxValue;
                return result;
            });

    public void TrialFinished(TrialResult result, int finished, int total)
    {
        _finished = finished;
        task.Value = finished;
        Count(result);
        AnsiConsole.MarkupLine($"[grey][[{finished}/{total}]][/] {Markup.Escape(SweepTable.Describe(result, axes))}");
        Describe(total);
    }

    public void Update(SweepCounts counts)
    {
        _counts = counts;
        Describe(counts.Total);
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    /// <summary>A trial reported again (a failure, then its retry's result) replaces its earlier count.</summary>
    private void Count(TrialResult result)
    {
        if (_latest.TryGetValue(result.Key, out TrialResult? earlier))
        {
            _tally = _tally.Without(earlier);
        }
        _latest[result.Key] = result;
        _tally = _tally.With(result);
    }

    private void Describe(int total)
    {
        ResultCounts t = _tally;
        string running = _counts is null ? "" : $", {_counts.Running} running";
        string restarts = _counts is { Restarts: > 0 } ? $", {_counts.Restarts} restarts" : "";
        task.Description = $"{_finished}/{total} done{running}, {t.Diverged} diverged, {t.Failed} failed; {t.Vanishing} vanishing, {t.Exploding} exploding{restarts}";
    }
}
