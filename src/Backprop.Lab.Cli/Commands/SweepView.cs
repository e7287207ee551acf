using Backprop.Core.Experiments;
using Backprop.Core.Text;
using Backprop.Lab.Contracts;
using Spectre.Console;

namespace Backprop.Lab.Cli.Commands;

/// <summary>What a running sweep shows the user: a live display on a terminal, plain lines otherwise.</summary>
internal interface ISweepView
{
    void TrialFinished(TrialResult result, long finished, long total);

    void Update(SweepCounts counts);

    void Message(string text);
}

/// <summary>One line per event, for pipes, CI logs and tests; each trial's label names every axis in <paramref name="axes"/>.</summary>
internal sealed class PlainSweepView(TextWriter output, IReadOnlyList<string> axes) : ISweepView
{
    private int _restarts;

    public void TrialFinished(TrialResult result, long finished, long total) =>
        output.WriteLine($"[{finished}/{total}] {SweepTable.Describe(result, axes)}");

    public void Update(SweepCounts counts)
    {
        if (counts.Restarts > _restarts)
        {
            output.WriteLine($"restarted {counts.Restarts - _restarts} trial(s) whose lease expired (a lost silo) or whose attempt failed ({counts.Restarts} in all)");
            _restarts = counts.Restarts;
        }
    }

    public void Message(string text) => output.WriteLine(text);
}

/// <summary>
/// Spectre.Console's live progress bar (done of total, ETA) with the counts of running, queued, diverged and failed
/// trials and of the regimes in its description; finished trials scroll above it. Outcomes and regimes are counted from
/// the results shown (the last one of each trial, as in trials.jsonl), the same way as the table at the end. Every line
/// fits the console's width: a trial line or a description too long for it is cut with an ellipsis, never wrapped
/// (a wrapped line under a live bar garbles the display), and narrow terminals drop the bar's less useful columns.
/// </summary>
internal sealed class LiveSweepView(IAnsiConsole console, ProgressTask task, IReadOnlyList<string> axes, int descriptionWidth) : ISweepView
{
    // The failed results counted, by key: a later result of the trial replaces a failure. Every other result is final and
    // only counted, so the view holds the failures, not the sweep.
    private readonly Dictionary<string, TrialResult> _failed = new(StringComparer.Ordinal);
    private ResultCounts _tally = ResultCounts.Of([]);
    private SweepCounts? _counts;
    private long _finished;
    private long _total;

    public static Task<T> RunAsync<T>(long total, IReadOnlyList<TrialResult> done, IReadOnlyList<string> axes, Func<ISweepView, Task<T>> body) =>
        RunAsync(AnsiConsole.Console, total, done, axes, body);

    public static async Task<T> RunAsync<T>(IAnsiConsole console, long total, IReadOnlyList<TrialResult> done, IReadOnlyList<string> axes, Func<ISweepView, Task<T>> body)
    {
        int width = console.Profile.Width;
        var (columns, others) = Columns(width);
        return await console.Progress()
            .AutoClear(false)
            .Columns(columns)
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("trials", maxValue: Math.Max(1, total));
                task.Value = done.Count;
                var view = new LiveSweepView(console, task, axes, Math.Max(10, width - others)) { _finished = done.Count, _total = total };
                foreach (TrialResult r in done)
                {
                    view.Count(r);
                }
                view.Describe();
                T result = await body(view);
                if (view._finished >= total)
                {
                    task.Value = task.MaxValue;
                }
                return result;
            });
    }

    /// <summary>The bar's columns for a console <paramref name="width"/> wide, and the width they take besides the description.</summary>
    private static (ProgressColumn[] Columns, int Others) Columns(int width)
    {
        var description = new TaskDescriptionColumn { Alignment = Justify.Left };
        // Widths as Spectre draws them: the bar as set, "100%" in 4, "00:00:00" in 8, the spinner in 1, a space between.
        return width switch
        {
            < 60 => ([description, new PercentageColumn()], 4 + 1),
            < 100 => ([description, new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new SpinnerColumn()], 16 + 4 + 1 + 3),
            _ => ([description, new ProgressBarColumn { Width = 30 }, new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn()], 30 + 4 + 8 + 1 + 4),
        };
    }

    public void TrialFinished(TrialResult result, long finished, long total)
    {
        _finished = finished;
        _total = total;
        task.Value = finished;
        Count(result);
        string number = $"[{finished}/{total}] ";
        string line = Fit(number + TerminalText.Escape(SweepTable.Describe(result, axes)), console.Profile.Width);
        console.MarkupLine($"[grey]{Markup.Escape(line[..Math.Min(number.Length, line.Length)])}[/]{Markup.Escape(line[Math.Min(number.Length, line.Length)..])}");
        Describe();
    }

    public void Update(SweepCounts counts)
    {
        _counts = counts;
        Describe();
    }

    public void Message(string text) => console.MarkupLine(Markup.Escape(Fit(TerminalText.Escape(text), console.Profile.Width)));

    /// <summary>The bar's description as it stands (for tests).</summary>
    internal string Description => task.Description;

    /// <summary>A trial reported again (a failure, then its retry's result) replaces its earlier count.</summary>
    private void Count(TrialResult result)
    {
        if (_failed.Remove(result.Key, out TrialResult? earlier))
        {
            _tally = _tally.Without(earlier);
        }
        if (result.Outcome == Outcome.Failed)
        {
            _failed[result.Key] = result;
        }
        _tally = _tally.With(result);
    }

    private void Describe()
    {
        long total = _total;
        ResultCounts t = _tally;
        // Running: trials leased to a worker.
        string running = _counts is null ? "" : $", {_counts.Leased} running";
        string restarts = _counts is { Restarts: > 0 } ? $", {_counts.Restarts} restarts" : "";
        task.Description = Markup.Escape(Fit(
            $"{_finished}/{total} done{running}, {t.Diverged} diverged, {t.Failed} failed; {t.Vanishing} vanishing, {t.Exploding} exploding{restarts}",
            descriptionWidth));
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters, ending in an ellipsis when cut.</summary>
    internal static string Fit(string text, int width) =>
        text.Length <= width ? text : width <= 1 ? text[..Math.Max(0, width)] : text[..(width - 1)] + "\u2026";
}
