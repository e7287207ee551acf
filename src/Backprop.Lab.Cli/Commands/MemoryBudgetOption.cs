using System.CommandLine;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Cli.Commands;

/// <summary><c>--memory-budget SIZE</c> of <c>lab sweep</c> and <c>lab silo</c>: what the trials run at once may take together.</summary>
internal static class MemoryBudgetOption
{
    public static Option<string?> Create(string whose) => new("--memory-budget")
    {
        HelpName = "SIZE",
        Description = $"Memory the trials {whose} runs at once may take together, e.g. 8G or 500M (powers of 1024; default: half of this machine's memory). " +
            "Each trial's peak is estimated from its configuration; trials that do not fit are refused before they start.",
    };

    /// <summary>The budget given, or the default; a size that cannot be read is the user's error (exit 2).</summary>
    public static MemoryBudget Resolve(string? text) => text is null ? MemoryBudget.Default()
        : MemoryBudget.ParseSize(text) is long bytes ? new MemoryBudget(bytes, "given with --memory-budget")
        : throw new UserInputException($"--memory-budget: expected a size of at least 1M such as 8G, 500M or 1.5G, got \"{text}\"");
}
