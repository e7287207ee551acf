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

/// <summary>One line per event, for pipes, CI logs and tests.</summary>
internal sealed class PlainSweepView(TextWriter output) : ISweepView
{
    private int _restarts;

    public void TrialFinished(TrialResult result, int finished, int total) =>
        output.WriteLine($"[{finished}/{total}] {SweepTable.Describe(result)}");

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
/// Spectre.Console's live progress bar (done of total, ETA) with the counts of running, failed and diverged
/// trials in its description; finished trials scroll above it.
/// </summary>
internal sealed class LiveSweepView(ProgressTask task) : ISweepView
{
    private SweepCounts? _counts;
    private int _finished;

    public static async Task<T> RunAsync<T>(int total, int done, Func<ISweepView, Task<T>> body) =>
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("trials", maxValue: Math.Max(1, total));
                task.Value = done;
                var view = new LiveSweepView(task) { _finished = done };
                view.Describe(total);
                T result = await body(view);
                task.Value = task.MaxValue;
                return result;
            });

    public void TrialFinished(TrialResult result, int finished, int total)
    {
        _finished = finished;
        task.Value = finished;
        AnsiConsole.MarkupLine($"[grey][[{finished}/{total}]][/] {Markup.Escape(SweepTable.Describe(result))}");
        Describe(total);
    }

    public void Update(SweepCounts counts)
    {
        _counts = counts;
        Describe(counts.Total);
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    private void Describe(int total)
    {
        SweepCounts? c = _counts;
        task.Description = c is null
            ? $"{_finished}/{total} trials"
            : $"{_finished}/{total} done, {c.Running} running, {c.Failed} failed, {c.Diverged} diverged" + (c.Restarts > 0 ? $", {c.Restarts} restarts" : "");
    }
}
