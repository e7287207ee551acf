using System.Text;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Results;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// A results folder against what users and machines do to it, with the real <c>lab</c> command in its own process and
/// real filesystems: a disk that fills up, two runs at once, hand edits, unreadable lines and planted symlinks. Each
/// test checks that every finished result ends on disk exactly once, or stays where the user can get it back.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ResultsFolderTests : TempDirectory
{
    // Six trials of a few milliseconds, about 5 KB of results each.
    internal const string Sweep = """
        { "name": "tiny", "base": { "width": 8, "dataset": "teacher", "samples": 64, "batch_size": 16, "steps": 5, "record_every": 1 },
          "grid": { "depth": [1, 2], "sigma_w2": [0.5, 1, 2] } }
        """;

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private string SweepFile(string text = Sweep) => Write("tiny.json", text);

    private static LabProcess Lab(params string[] args) => LabProcess.Start(args);

    [FilesystemFact]
    public void A_full_disk_keeps_finished_results_until_space_is_freed_then_saves_them_all()
    {
        using SmallFilesystem disk = SmallFilesystem.Mount(System.IO.Path.Combine(Path, "disk"), 8192);
        string filler = disk.Fill(leaveKilobytes: 12);
        string output = System.IO.Path.Combine(disk.Path, "out");
        using LabProcess sweep = Lab("sweep", SweepFile(), "--in-process", "--out", output);

        sweep.WaitForOutput("waiting to be saved", Limit);
        File.Delete(filler);

        Assert.Equal(0, sweep.WaitForExit(Limit));
        AssertComplete(output, 6);
    }

    [FilesystemFact]
    public void Giving_up_on_a_full_disk_leaves_a_resumable_folder_without_a_torn_line()
    {
        using SmallFilesystem disk = SmallFilesystem.Mount(System.IO.Path.Combine(Path, "disk"), 8192);
        string filler = disk.Fill(leaveKilobytes: 12);
        string output = System.IO.Path.Combine(disk.Path, "out");
        using LabProcess sweep = Lab("sweep", SweepFile(), "--in-process", "--out", output, "--save-timeout", "0");

        Assert.Equal(6, sweep.WaitForExit(Limit));
        Assert.Contains("waiting to be saved", sweep.Output, StringComparison.Ordinal);
        Assert.Contains($"lab sweep --resume {output}", sweep.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", sweep.Output, StringComparison.Ordinal); // no stack trace
        int saved = AssertNoTornLine(output);
        Assert.True(saved < 6, $"the disk held all {saved} results: the test did not fill it");
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));

        // Resuming on the still-full disk fails the same clear way, and keeps what is there.
        using LabProcess stillFull = Lab("sweep", "--resume", output, "--in-process", "--save-timeout", "0");
        Assert.Equal(6, stillFull.WaitForExit(Limit));
        Assert.Equal(saved, AssertNoTornLine(output));

        File.Delete(filler);
        using LabProcess resumed = Lab("sweep", "--resume", output, "--in-process");
        Assert.Equal(0, resumed.WaitForExit(Limit));
        Assert.Contains($"({saved} already done)", resumed.Output, StringComparison.Ordinal);
        AssertComplete(output, 6);
    }

    [Fact]
    public void A_second_run_on_a_locked_folder_is_refused_naming_the_holder_and_a_killed_holder_frees_it()
    {
        string output = System.IO.Path.Combine(Path, "out");
        using (LabProcess first = Lab("sweep", SweepFile(), "--in-process", "--out", output))
        {
            Assert.Equal(0, first.WaitForExit(Limit));
        }
        // This test process holds the lock, as a running sweep would.
        using (ResultsFolderLock held = ResultsFolderLock.Acquire(output))
        {
            using LabProcess second = Lab("sweep", "--resume", output, "--in-process");
            Assert.Equal(2, second.WaitForExit(Limit));
            Assert.Contains($"is in use by another lab run (pid {Environment.ProcessId},", second.Output, StringComparison.Ordinal);
        }
        string before = File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl"));

        // A holder killed at any moment leaves no lock behind: the kernel drops it with the process.
        using (LabProcess killed = Lab("sweep", SweepFile(), "--in-process", "--out", System.IO.Path.Combine(Path, "killed")))
        {
            killed.WaitForOutput("sweep tiny:", Limit);
            killed.Kill();
        }
        using LabProcess after = Lab("sweep", SweepFile(), "--in-process", "--out", System.IO.Path.Combine(Path, "killed"));
        Assert.Equal(0, after.WaitForExit(Limit));
        AssertComplete(System.IO.Path.Combine(Path, "killed"), 6);
        Assert.Equal(before, File.ReadAllText(System.IO.Path.Combine(output, "trials.jsonl")));
    }

    [Fact]
    public void Unreadable_foreign_and_torn_lines_move_byte_for_byte_to_quarantine_on_resume()
    {
        string output = System.IO.Path.Combine(Path, "out");
        using (LabProcess first = Lab("sweep", SweepFile(), "--in-process", "--out", output))
        {
            Assert.Equal(0, first.WaitForExit(Limit));
        }
        string trials = System.IO.Path.Combine(output, "trials.jsonl");
        string[] good = File.ReadAllLines(trials);
        byte[] newerSchema = Encoding.UTF8.GetBytes(good[0].Replace("\"schema\":", "\"schema\":99,\"was\":", StringComparison.Ordinal));
        byte[] corrupted = Encoding.UTF8.GetBytes(good[1]);
        corrupted[corrupted.Length / 2] = 0xFF; // not UTF-8
        // A valid result of a trial this sweep does not have (another seed).
        TrialResult foreign = TrialRunner.Run(new TrialConfig { Depth = 1, Width = 8, Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 5, RecordEvery = 1, Seed = 999 });
        byte[] foreignLine = Encoding.UTF8.GetBytes(ResultFormat.ToJsonLine(foreign));
        byte[] torn = Encoding.UTF8.GetBytes(good[2][..(good[2].Length / 2)]);
        // Trials 0-2 lose their good lines, so they are trained again; 3-5 stay.
        using (var file = new FileStream(trials, FileMode.Create))
        {
            foreach (byte[] line in new[] { Encoding.UTF8.GetBytes(good[3]), newerSchema, corrupted, Encoding.UTF8.GetBytes(good[4]), foreignLine, Encoding.UTF8.GetBytes(good[5]) })
            {
                file.Write(line);
                file.WriteByte((byte)'\n');
            }
            file.Write(torn);
        }

        using LabProcess resumed = Lab("sweep", "--resume", output, "--in-process");
        Assert.Equal(0, resumed.WaitForExit(Limit));
        Assert.Contains("moved 4 lines of trials.jsonl", resumed.Output, StringComparison.Ordinal);
        Assert.Contains("(3 already done)", resumed.Output, StringComparison.Ordinal);
        byte[] expected = new[] { newerSchema, corrupted, foreignLine, torn }.SelectMany(l => l.Append((byte)'\n')).ToArray();
        Assert.Equal(expected, File.ReadAllBytes(System.IO.Path.Combine(output, "trials.quarantine.jsonl")));
        AssertComplete(output, 6);
    }

    [Fact]
    public void An_edited_sweep_is_refused_with_what_changed_and_extend_adds_its_trials()
    {
        string output = System.IO.Path.Combine(Path, "out");
        using (LabProcess first = Lab("sweep", SweepFile(), "--in-process", "--out", output))
        {
            Assert.Equal(0, first.WaitForExit(Limit));
        }
        string original = File.ReadAllText(System.IO.Path.Combine(output, "sweep.json"));
        string edited = SweepFile(Sweep.Replace("\"sigma_w2\": [0.5, 1, 2]", "\"sigma_w2\": [0.5, 1, 2, 4]", StringComparison.Ordinal));

        using LabProcess refused = Lab("sweep", edited, "--in-process", "--out", output);
        Assert.Equal(2, refused.WaitForExit(Limit));
        Assert.Contains("grid.sigma_w2: [0.5,1,2] -> [0.5,1,2,4]", refused.Output, StringComparison.Ordinal);
        Assert.Contains("2 trials added, 0 removed", refused.Output, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(System.IO.Path.Combine(output, "sweep.json")));
        Assert.Equal(6, AssertNoTornLine(output));

        using LabProcess extended = Lab("sweep", edited, "--in-process", "--out", output, "--extend");
        Assert.Equal(0, extended.WaitForExit(Limit));
        Assert.Contains("8 trials (6 already done)", extended.Output, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(System.IO.Path.Combine(output, "sweep.1.json")));
        Assert.Equal(File.ReadAllText(edited), File.ReadAllText(System.IO.Path.Combine(output, "sweep.json")));
        AssertComplete(output, 8);
    }

    [Fact]
    public void Symlinks_planted_at_temporary_names_are_never_written_through()
    {
        string output = System.IO.Path.Combine(Path, "out");
        Directory.CreateDirectory(output);
        string victim = Write("victim.txt", "precious");
        foreach (string name in new[] { "sweep.json.tmp", "summary.csv.tmp", "trials.jsonl.tmp", ".sweep-id.tmp" })
        {
            File.CreateSymbolicLink(System.IO.Path.Combine(output, name), victim);
        }
        // The planted links make the folder non-empty, so it is refused as someone else's; a resumed folder is the case.
        using (LabProcess refused = Lab("sweep", SweepFile(), "--in-process", "--out", output))
        {
            Assert.Equal(2, refused.WaitForExit(Limit));
        }
        string fresh = System.IO.Path.Combine(Path, "fresh");
        using (LabProcess first = Lab("sweep", SweepFile(), "--in-process", "--out", fresh))
        {
            Assert.Equal(0, first.WaitForExit(Limit));
        }
        foreach (string name in new[] { "sweep.json.tmp", "summary.csv.tmp", "trials.jsonl.tmp", ".sweep-id.tmp" })
        {
            File.CreateSymbolicLink(System.IO.Path.Combine(fresh, name), victim);
        }
        File.AppendAllText(System.IO.Path.Combine(fresh, "trials.jsonl"), "torn"); // forces trials.jsonl to be written whole
        using LabProcess resumed = Lab("sweep", "--resume", fresh, "--in-process");
        Assert.Equal(0, resumed.WaitForExit(Limit));
        Assert.Equal("precious", File.ReadAllText(victim));
        AssertComplete(fresh, 6);
    }

    [Fact]
    public void Out_at_a_file_is_refused_in_one_line()
    {
        string file = Write("a-file", "x");
        using LabProcess sweep = Lab("sweep", SweepFile(), "--in-process", "--out", file);
        Assert.Equal(2, sweep.WaitForExit(Limit));
        Assert.Contains($"--out {file} is a file, not a folder", sweep.Output, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [FilesystemFact]
    public void Out_in_a_read_only_folder_is_one_message_and_exit_6()
    {
        using SmallFilesystem disk = SmallFilesystem.Mount(System.IO.Path.Combine(Path, "ro"), 64, readOnly: true);
        using LabProcess sweep = Lab("sweep", SweepFile(), "--in-process", "--out", System.IO.Path.Combine(disk.Path, "out"));
        Assert.Equal(6, sweep.WaitForExit(Limit));
        Assert.StartsWith("error: ", sweep.Output, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", sweep.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", sweep.Output, StringComparison.Ordinal);
    }

    /// <summary>Every line of trials.jsonl a result, ending in a newline; returns how many.</summary>
    private static int AssertNoTornLine(string output)
    {
        string path = System.IO.Path.Combine(output, "trials.jsonl");
        if (!File.Exists(path))
        {
            return 0;
        }
        string text = File.ReadAllText(path);
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "trials.jsonl ends in a torn line");
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.NotNull(ResultFormat.FromJsonLine(l, out _)));
        return lines.Length;
    }

    /// <summary>Each of the sweep's trials saved exactly once, summary.csv agreeing, no temporary file left.</summary>
    private static void AssertComplete(string output, int trials)
    {
        Assert.Equal(trials, AssertNoTornLine(output));
        string[] keys = File.ReadAllLines(System.IO.Path.Combine(output, "trials.jsonl")).Select(l => ResultFormat.FromJsonLine(l, out _)!.Key).ToArray();
        Assert.Equal(trials, keys.Distinct().Count());
        Assert.Equal(trials + 1, File.ReadAllLines(System.IO.Path.Combine(output, "summary.csv")).Length);
        Assert.DoesNotContain(Directory.GetFiles(output, "*.tmp"), f => new FileInfo(f).LinkTarget is null);
    }
}
