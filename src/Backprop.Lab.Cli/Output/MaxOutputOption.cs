using System.CommandLine;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Output;

/// <summary>
/// <c>--max-output SIZE</c> of the commands whose output grows with their input (explain, grad, train, gradcheck,
/// theory): how much one run may print before it is stopped (<see cref="BoundedWriter"/>).
/// </summary>
internal static class MaxOutputOption
{
    public const string Name = "--max-output";

    /// <summary>A few screens of a matrix more than anyone reads, and small enough that a runaway command stops in a second.</summary>
    public const long DefaultLimit = 8L << 20;

    public static Option<string?> AddTo(Command command)
    {
        var option = new Option<string?>(Name)
        {
            HelpName = "SIZE",
            Description = "Stop after printing this much, e.g. 64M or 1G (powers of 1024; default 8M; 'none' for no limit). " +
                "A run that reaches it prints what fits, says so on stderr and exits with code 7.",
        };
        command.Options.Add(option);
        return option;
    }

    /// <summary>The limit in bytes of the command <paramref name="parse"/> runs: the default, the size given, or none.</summary>
    public static long Resolve(ParseResult parse)
    {
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == Name) is not Option<string?> option)
        {
            return long.MaxValue;
        }
        string? text = parse.GetValue(option);
        if (text is null)
        {
            return DefaultLimit;
        }
        if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase))
        {
            return long.MaxValue;
        }
        return MemoryBudget.ParseSize(text)
            ?? throw new UserInputException($"{Name}: expected a size of at least 1M such as 64M or 1G, or none, got \"{text}\"");
    }

    /// <summary>The limit as a user writes it: 8M, 1.5G, 1048577 bytes.</summary>
    public static string Describe(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30}G" : bytes % (1L << 20) == 0 ? $"{bytes >> 20}M" : $"{bytes} bytes";
}
