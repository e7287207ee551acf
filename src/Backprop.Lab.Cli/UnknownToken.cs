using System.CommandLine;
using System.CommandLine.Parsing;

namespace Backprop.Lab.Cli;

/// <summary>
/// The one line <c>lab</c> prints for a command, option or argument it does not know (exit 2): what was not
/// recognised, where, and the nearest known names ("did you mean"). System.CommandLine's own typo correction prints
/// several lines per token, suggests options for stray values, and appends the whole help.
/// </summary>
internal static class UnknownToken
{
    /// <summary>The message for the first token the parser could not place, or null when every token was placed.</summary>
    public static string? Describe(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count == 0)
        {
            return null;
        }
        string token = parse.UnmatchedTokens[0];
        CommandResult at = parse.CommandResult;
        string where = CommandPath(at);
        if (token.StartsWith('-') && token.Length > 1)
        {
            string name = token.Split('=', ':')[0];
            string[] options = OptionNames(at).ToArray();
            return $"unknown option '{name}' for '{where}'" + Suggest(name, options, $"'{where} --help' lists its options");
        }
        if (at.Command.Subcommands.Count > 0 && at.Tokens.Count == 0)
        {
            string[] commands = at.Command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name)).ToArray();
            return $"unknown command '{token}'" + Suggest(token, commands, $"'{where} --help' lists the commands");
        }
        return $"unexpected argument '{token}' for '{where}'; '{where} --help' shows its usage";
    }

    private static string Suggest(string token, IReadOnlyCollection<string> known, string otherwise)
    {
        string[] near = Nearest(token, known);
        return near.Length == 0 ? $"; {otherwise}" : $"; did you mean {string.Join(" or ", near)}?";
    }

    /// <summary>
    /// The known names closest to <paramref name="token"/>: within an edit distance (a swap of neighbours counting one)
    /// that grows with the name's length, or names the token begins; the closest ones only, at most three.
    /// </summary>
    internal static string[] Nearest(string token, IEnumerable<string> known)
    {
        string bare = token.TrimStart('-');
        var scored = known.Distinct(StringComparer.Ordinal)
            .Select(k => (Name: k, Distance: k.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase) && bare.Length >= 2
                ? 0 : Distance(bare.ToLowerInvariant(), k.TrimStart('-').ToLowerInvariant())))
            .Where(s => s.Distance <= Math.Max(1, Math.Min(3, s.Name.TrimStart('-').Length / 3)))
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }
        int best = scored.Min(s => s.Distance);
        return scored.Where(s => s.Distance == best).Select(s => s.Name).Order(StringComparer.Ordinal).Take(3).ToArray();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>The command's options and the recursive ones of the commands above it (--verbose), names and aliases.</summary>
    private static IEnumerable<string> OptionNames(CommandResult at)
    {
        IEnumerable<Option> options = at.Command.Options;
        for (SymbolResult? up = at.Parent; up is not null; up = up.Parent)
        {
            if (up is CommandResult parent)
            {
                options = options.Concat(parent.Command.Options.Where(o => o.Recursive));
            }
        }
        return options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name));
    }

    /// <summary>"lab sweep": the command's path as typed, the root called lab whatever the process is.</summary>
    private static string CommandPath(CommandResult at)
    {
        var names = new List<string>();
        for (SymbolResult? r = at; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Parent is null ? "lab" : c.Command.Name);
            }
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
