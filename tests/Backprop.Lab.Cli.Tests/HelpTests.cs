using System.CommandLine;
using System.CommandLine.Completions;
using System.Text.RegularExpressions;

namespace Backprop.Lab.Cli.Tests;

/// <summary>What a newcomer meets first: the command list, one placeholder style, and a mistyped name answered in one line.</summary>
public sealed class HelpTests
{
    private static readonly string[] Commands = ["grad", "train", "explain", "sweep", "silo", "theory", "gradcheck", "report", "bench", "schema"];

    [Theory]
    [InlineData]
    [InlineData("help")]
    public void Bare_lab_and_lab_help_print_the_command_list_and_exit_0(params string[] args)
    {
        var (exit, output, error) = LabRunner.Run(args);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Equal(LabRunner.Run("--help").Out, output);
        Assert.All(Commands, c => Assert.Matches($"\n  {c} ", output));
    }

    [Fact]
    public void Lab_help_command_prints_that_commands_help()
    {
        var (exit, output, _) = LabRunner.Run("help", "theory");
        Assert.Equal(0, exit);
        Assert.Equal(LabRunner.Run("theory", "--help").Out, output);
        Assert.Contains("--sb2 <VARIANCE>", output);
    }

    [Theory]
    [InlineData("error: unknown command 'theroy'; did you mean theory?", "theroy")]
    [InlineData("error: unknown option '--paralel' for 'lab sweep'; did you mean --parallel?", "sweep", "x.json", "--paralel", "2")]
    [InlineData("error: unknown option '--activaton' for 'lab theory'; did you mean --activation?", "theory", "--activaton", "relu")]
    [InlineData("error: unknown option '--sb3' for 'lab theory'; did you mean --sb or --sb2?", "theory", "--sb3", "1")]
    [InlineData("error: unknown option '--verbsoe' for 'lab theory'; did you mean --verbose?", "theory", "--verbsoe")]
    [InlineData("error: unknown option '--zzzzzz' for 'lab report'; 'lab report --help' lists its options", "report", "dir", "--zzzzzz")]
    [InlineData("error: unknown command 'frobnicate'; 'lab --help' lists the commands", "frobnicate")]
    public void A_mistyped_name_gets_one_line_with_the_nearest_names_and_exit_2(string expected, params string[] args)
    {
        var (exit, output, error) = LabRunner.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal(expected + "\n", error.ReplaceLineEndings("\n"));
    }

    /// <summary>Placeholders are UPPER_CASE (FILE, N, DIR, HOST:PORT, BUG[@LAYER]); a fixed set of choices lists them instead.</summary>
    [Fact]
    public void Every_value_placeholder_in_help_is_upper_case()
    {
        var placeholder = new Regex(@"^[A-Z][A-Z0-9_:=@,\[\]]*$");
        var wrong = new List<string>();
        void Visit(Command command, string path)
        {
            foreach (Option option in command.Options.Where(o => o.Arity.MaximumNumberOfValues > 0 && !o.Hidden))
            {
                bool choices = option.HelpName is null && option.GetCompletions(CompletionContext.Empty).Any();
                if (!choices && (option.HelpName is null || !placeholder.IsMatch(option.HelpName)))
                {
                    wrong.Add($"{path} {option.Name} <{option.HelpName ?? option.Name.TrimStart('-')}>");
                }
            }
            foreach (Argument argument in command.Arguments.Where(a => !a.Hidden))
            {
                if (!placeholder.IsMatch(argument.HelpName ?? argument.Name))
                {
                    wrong.Add($"{path} <{argument.HelpName ?? argument.Name}>");
                }
            }
            foreach (Command sub in command.Subcommands)
            {
                Visit(sub, $"{path} {sub.Name}");
            }
        }
        Visit(LabApp.BuildRoot(TextWriter.Null), "lab");
        Assert.True(wrong.Count == 0, "placeholders not in UPPER_CASE: " + string.Join(", ", wrong));
    }
}
