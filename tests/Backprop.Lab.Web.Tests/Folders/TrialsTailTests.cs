using Backprop.Core.Experiments;
using Backprop.Lab.Web.Folders;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Web.Tests.Folders;

public sealed class TrialsTailTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static string Line(string key, double loss = 0.5) => ResultFormat.ToJsonLine(new TrialResult(key,
        new TrialConfig { Activation = "tanh", Depth = 2, Width = 4 }, Outcome.Ok, null, loss, null, [], 0.1, null));

    [Fact]
    public void Reads_only_complete_lines_and_takes_a_torn_line_once_it_is_whole()
    {
        string path = Path.Combine(_dir.Path, "trials.jsonl");
        string second = Line("b");
        File.WriteAllText(path, Line("a") + "\n" + second[..20]);
        var tail = new TrialsTail(path);

        Assert.Equal(["a"], tail.ReadNew(out bool restarted).Select(t => t.Key));
        Assert.False(restarted);
        Assert.Empty(tail.Unreadable);

        File.AppendAllText(path, second[20..] + "\n");
        Assert.Equal(["b"], tail.ReadNew(out _).Select(t => t.Key));
        Assert.Empty(tail.ReadNew(out _));
        Assert.Empty(tail.Unreadable);
    }

    [Fact]
    public void A_file_replaced_by_a_rewrite_is_read_again_from_its_start()
    {
        string path = Path.Combine(_dir.Path, "trials.jsonl");
        File.WriteAllText(path, Line("a", 0.5) + "\n" + Line("b") + "\n");
        var tail = new TrialsTail(path);
        Assert.Equal(2, tail.ReadNew(out _).Count);

        // The runner rewrites the file whole when a record on disk changes: here a's line, and the file grows.
        string rewritten = Path.Combine(_dir.Path, ".trials.tmp");
        File.WriteAllText(rewritten, Line("a", 0.25) + "\n" + Line("b") + "\n" + Line("c") + "\n");
        File.Move(rewritten, path, overwrite: true);

        IReadOnlyList<TrialResult> again = tail.ReadNew(out bool restarted);
        Assert.True(restarted);
        Assert.Equal(["a", "b", "c"], again.Select(t => t.Key));
        Assert.Equal(0.25, again[0].FinalLoss);
    }

    [Fact]
    public void A_line_that_is_not_a_trial_is_listed_with_its_number_and_the_rest_are_read()
    {
        string path = Path.Combine(_dir.Path, "trials.jsonl");
        File.WriteAllText(path, Line("a") + "\n{\"schema\": 99}\n" + Line("c") + "\n");
        var tail = new TrialsTail(path);

        Assert.Equal(["a", "c"], tail.ReadNew(out _).Select(t => t.Key));
        Assert.Single(tail.Unreadable);
        Assert.StartsWith("trials.jsonl line 2:", tail.Unreadable[0]);
    }

    [Fact]
    public void A_trials_file_that_is_a_symbolic_link_is_not_read()
    {
        string outside = Path.Combine(_dir.Path, "elsewhere.jsonl");
        File.WriteAllText(outside, Line("secret") + "\n");
        string path = Path.Combine(_dir.Path, "trials.jsonl");
        File.CreateSymbolicLink(path, outside);

        Assert.Empty(new TrialsTail(path).ReadNew(out _));
    }

    public void Dispose() => _dir.Dispose();
}
