using System.Text;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

/// <summary>
/// User text with control and bidi characters, through real <c>lab</c> processes: no raw control byte reaches stdout,
/// stderr or the run's log file, in validation errors, progress lines, the final summary and the report lines.
/// </summary>
public sealed class TerminalTextTests : TempDirectory
{
    private const string TitleSequence = "\u001b]0;pwned\u0007";
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    [Trait("Category", "Slow")]
    public void Validation_errors_show_a_sweep_files_control_characters_as_escapes()
    {
        // The path has CR and an erase-screen sequence; the activation sets the window title; an unknown key holds a
        // right-to-left override and a C1 control (CSI).
        string file = Write("sweep\r\u001b[2J.json",
            """{ "name": "x", "base": { "steps": 1, "width": 4, "depth": 1, "activation": "\u001b]0;pwned\u0007", "\u202e\u009b": 1 } }""");
        var (exit, stdout, stderr) = LabChildProcess.Run(NoEnvironment, Path, "sweep", file);
        Assert.Equal(2, exit);
        AssertNoControls(stdout + stderr);
        Assert.Contains("unknown activation \"\\u001b]0;pwned\\u0007\"", stderr, StringComparison.Ordinal);
        Assert.Contains("unknown field \"\\u202e\\u009b\"", stderr, StringComparison.Ordinal);
        Assert.Contains("sweep\\u000d\\u001b[2J.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Progress_lines_summary_report_lines_and_the_log_file_escape_a_folder_name()
    {
        string sweep = Write("tiny.json", """
            { "name": "tiny", "base": { "width": 4, "dataset": "teacher", "samples": 16, "batch_size": 16, "steps": 2, "record_every": 1 },
              "grid": { "depth": [1, 2] } }
            """);
        string output = System.IO.Path.Combine(Path, "out" + TitleSequence + "\u202e\u0085");
        var (exit, stdout, stderr) = LabChildProcess.Run(NoEnvironment, Path, "sweep", sweep, "--in-process", "--out", output, "--verbose");
        Assert.True(exit == 0, stderr);
        Assert.Contains("[2/2]", stdout, StringComparison.Ordinal);
        Assert.Contains("results: ", stdout, StringComparison.Ordinal);
        Assert.Contains("out\\u001b]0;pwned\\u0007\\u202e\\u0085", stdout, StringComparison.Ordinal);
        AssertNoControls(stdout + stderr);
        string log = File.ReadAllText(System.IO.Path.Combine(output, "log.jsonl"), Encoding.UTF8);
        Assert.Contains("pwned", log, StringComparison.Ordinal);
        AssertNoControls(log);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_batch_file_path_in_a_grad_error_is_escaped()
    {
        string batch = Write("b\u001b[31m\u0007.json", """{ "inputs": [[1, 2, 3]], "targets": [[1]] }""");
        var (exit, stdout, stderr) = LabChildProcess.Run(NoEnvironment, Path, "grad", LabRunner.Example("linear-2-2-1.json"), "--data", batch);
        Assert.Equal(2, exit);
        AssertNoControls(stdout + stderr);
        Assert.Contains("b\\u001b[31m\\u0007.json: $.inputs[0]: expected 2 values", stderr, StringComparison.Ordinal);
    }

    /// <summary>No C0 control but line feed and tab, no DEL, no C1 control, no bidi override or isolate.</summary>
    private static void AssertNoControls(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool control = (c < 0x20 && c is not ('\n' or '\t')) || c is >= '\u007f' and <= '\u009f'
                || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c';
            Assert.False(control, $"raw U+{(int)c:X4} at {i}: ...{text[Math.Max(0, i - 60)..Math.Min(text.Length, i + 20)]}...");
        }
    }
}
