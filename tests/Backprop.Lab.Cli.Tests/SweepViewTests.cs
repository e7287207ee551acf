using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Contracts;
using Spectre.Console.Testing;

namespace Backprop.Lab.Cli.Tests;

/// <summary>The live sweep display in terminals of several widths (Spectre's test console).</summary>
public sealed class SweepViewTests
{
    private static readonly TrialResult[] Results = Enumerable.Range(0, 3).Select(i => TrialRunner.Run(new TrialConfig
    {
        Depth = 3, Width = 8, Dataset = "teacher", Samples = 32, BatchSize = 8, Steps = 4, RecordEvery = 1, LearningRate = 0.01 * (i + 1),
    })).ToArray();

    [Theory]
    [InlineData(40)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(160)]
    public async Task Every_line_fits_the_terminal_width(int width)
    {
        var console = new TestConsole().Width(width).Interactive();
        string[] axes = ["learning_rate"];
        await LiveSweepView.RunAsync(console, Results.Length + 2, [], axes, view =>
        {
            view.Update(new SweepCounts(Total: 5, Pending: 1, Leased: 4, Done: 0, Failed: 0, Restarts: 1, Retained: 0));
            for (int i = 0; i < Results.Length; i++)
            {
                view.TrialFinished(Results[i], i + 1, Results.Length + 2);
            }
            view.Message(new string('m', 300));
            return Task.FromResult(true);
        });

        // The text written between two line breaks or cursor movements must fit on one row of the terminal. Blanks
        // around it are not text: when the bar's refresh thread draws while lines are printed, the live display
        // clears a row with a full row of blanks just before the next line, which a terminal wraps onto a row of
        // its own; no printed line starts with a blank.
        string[] lines = System.Text.RegularExpressions.Regex.Split(console.Output, "\u001b\\[[0-9;?]*[A-Za-z]|\r|\n");
        Assert.Contains(lines, l => l.Contains("[3/5]", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Trim(' ').Length <= width, $"{l.Trim(' ').Length} columns at width {width}: {l}"));
        // The trial lines name the swept learning rate, unless the terminal is too narrow to show it.
        if (width >= 160)
        {
            Assert.Contains(lines, l => l.Contains("learning_rate=0.03", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_bar_counts_leased_trials_as_running()
    {
        var console = new TestConsole().Width(200).Interactive();
        string description = "";
        await LiveSweepView.RunAsync(console, 10, [], [], view =>
        {
            view.Update(new SweepCounts(Total: 10, Pending: 6, Leased: 4, Done: 0, Failed: 0, Restarts: 0, Retained: 0));
            description = ((LiveSweepView)view).Description;
            return Task.FromResult(true);
        });
        Assert.StartsWith("0/10 done, 4 running, 0 diverged,", description, StringComparison.Ordinal);
        // Interrupted before the end, the bar keeps the real count rather than jumping to 100%.
        Assert.DoesNotContain("100%", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_cuts_with_an_ellipsis_only_what_does_not_fit()
    {
        Assert.Equal("abc", LiveSweepView.Fit("abc", 3));
        Assert.Equal("ab\u2026", LiveSweepView.Fit("abcd", 3));
        Assert.Equal("", LiveSweepView.Fit("abcd", 0));
    }
}
