using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Backprop.Lab.Cli.Tests.Docs;

/// <summary>
/// One printed example of the manual: a fenced block of README.md or docs/*.md whose first line is a command
/// <c>$ lab ...</c>, followed by what it prints. A block may hold several commands, each followed by its own output;
/// they run one after another in the same folder (a sweep, then a report of its folder).
/// </summary>
/// <param name="File">The markdown file, relative to the repository root, with '/' separators.</param>
/// <param name="Line">The 1-based line of the block's first command.</param>
/// <param name="Steps">Each command's arguments (after <c>lab</c>) and the output the manual shows for it.</param>
internal sealed record DocExample(string File, int Line, IReadOnlyList<DocExample.Step> Steps)
{
    /// <summary>A command of a block and the lines shown below it.</summary>
    internal sealed record Step(string CommandLine, IReadOnlyList<string> Arguments, IReadOnlyList<string> Expected);

    /// <summary>The markdown files of the manual: README.md and every .md under docs/ (docs/papers/ too), relative paths with '/'.</summary>
    public static IEnumerable<string> ManualFiles(string root) =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal));

    /// <summary>
    /// The examples of one markdown text. A block counts when its first line starts with <c>$ lab </c> and something
    /// follows the command: a command alone (how to start a silo) shows nothing to compare.
    /// </summary>
    public static IEnumerable<DocExample> Parse(string file, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }
            int start = i + 1, end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }
            i = end;
            if (start >= end || !lines[start].StartsWith("$ lab ", StringComparison.Ordinal) || end - start < 2)
            {
                continue;
            }
            var steps = new List<Step>();
            for (int k = start; k < end;)
            {
                string command = lines[k]["$ ".Length..];
                int next = k + 1;
                while (next < end && !lines[next].StartsWith("$ ", StringComparison.Ordinal))
                {
                    next++;
                }
                IReadOnlyList<string> words = SplitCommand(command);
                if (words.Count == 0 || words[0] != "lab")
                {
                    throw new FormatException($"{file}:{k + 1}: an example runs `lab` only, not `{command}`");
                }
                steps.Add(new Step(command, words.Skip(1).ToArray(), lines[(k + 1)..next]));
                k = next;
            }
            yield return new DocExample(file, start + 1, steps);
        }
    }

    /// <summary>
    /// Splits a command line as a POSIX shell would for the subset the manual uses: words separated by spaces, with
    /// '...' and "..." quoting. Anything that would need a shell (pipes, redirection, variables, ';' between
    /// commands) is refused, so an example is always exactly one process.
    /// </summary>
    public static IReadOnlyList<string> SplitCommand(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c is '|' or '>' or '<' or ';' or '&' or '$' or '`' or '#' or '\\')
            {
                throw new FormatException($"`{command}`: '{c}' needs a shell; an example is one `lab` command");
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
        {
            throw new FormatException($"`{command}`: unbalanced {quote}");
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}

/// <summary>
/// Compares what a command printed with what the manual shows. Lines are compared exactly (trailing spaces and
/// trailing empty lines aside) except for three things:
/// <list type="bullet">
/// <item>numbers: each number of the shown line is compared with the printed one at the precision the manual shows
/// it, i.e. the printed value rounded to the shown number's last decimal place must equal it (<c>1.2E-07</c> accepts
/// 1.15E-07 to 1.25E-07; <c>42.25</c> accepts 42.245 to 42.255), so a manual may show fewer digits than are printed
/// but never a different value;</item>
/// <item><c>…</c> (U+2026) inside a line stands for any text on that line: the genuinely variable parts such as
/// timings, absolute paths, timestamps and process ids;</item>
/// <item>a line that is only <c>...</c> (three full stops, any indentation) stands for any number of printed lines,
/// including none: elided output.</item>
/// </list>
/// </summary>
internal static class DocOutput
{
    private const string NumberPattern = @"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?";
    private static readonly Regex Number = new(NumberPattern, RegexOptions.CultureInvariant);

    /// <summary>Null when <paramref name="actual"/> is what <paramref name="expected"/> shows, else a description of the first difference.</summary>
    public static string? Difference(IReadOnlyList<string> expected, string actual)
    {
        string[] shown = Trim(expected.Select(l => l.TrimEnd()));
        string[] printed = Trim(actual.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()));
        var memo = new Dictionary<(int, int), bool>();
        if (Matches(shown, printed, 0, 0, memo))
        {
            return null;
        }
        return FirstDifference(shown, printed);
    }

    /// <summary>Whether one printed line is what the shown line says, numbers at the shown precision and … for any text.</summary>
    public static bool LineMatches(string shown, string printed)
    {
        var pattern = new StringBuilder("^");
        var numbers = new List<string>();
        string[] segments = shown.Split('…');
        for (int s = 0; s < segments.Length; s++)
        {
            if (s > 0)
            {
                pattern.Append(".*?");
            }
            int at = 0;
            foreach (Match m in Number.Matches(segments[s]))
            {
                pattern.Append(Regex.Escape(segments[s][at..m.Index]));
                pattern.Append('(').Append(NumberPattern).Append(')');
                numbers.Add(m.Value);
                at = m.Index + m.Length;
            }
            pattern.Append(Regex.Escape(segments[s][at..]));
        }
        pattern.Append('$');
        Match line = Regex.Match(printed, pattern.ToString(), RegexOptions.CultureInvariant);
        if (!line.Success)
        {
            return false;
        }
        for (int n = 0; n < numbers.Count; n++)
        {
            if (!SameAtShownPrecision(numbers[n], line.Groups[n + 1].Value))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether <paramref name="printed"/>, rounded to the last decimal place of <paramref name="shown"/>, equals it:
    /// for a mantissa with d decimals and exponent e the place is 10^(e - d), and the two may differ by half of it.
    /// </summary>
    public static bool SameAtShownPrecision(string shown, string printed)
    {
        if (shown == printed)
        {
            return true;
        }
        string mantissa = shown;
        int exponent = 0;
        int e = shown.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            mantissa = shown[..e];
            exponent = int.Parse(shown[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        int dot = mantissa.IndexOf('.');
        int decimals = dot < 0 ? 0 : mantissa.Length - dot - 1;
        double place = Math.Pow(10, exponent - decimals);
        double a = double.Parse(shown, NumberStyles.Float, CultureInfo.InvariantCulture);
        double b = double.Parse(printed, NumberStyles.Float, CultureInfo.InvariantCulture);
        // The factor absorbs the rounding of the decimal texts themselves, not a difference in the value.
        return Math.Abs(a - b) <= place / 2 * (1 + 1e-9);
    }

    private static bool IsElision(string line) => line.Trim() == "...";

    private static string[] Trim(IEnumerable<string> lines)
    {
        var list = lines.ToList();
        while (list.Count > 0 && list[^1].Length == 0)
        {
            list.RemoveAt(list.Count - 1);
        }
        return [.. list];
    }

    private static bool Matches(string[] shown, string[] printed, int i, int j, Dictionary<(int, int), bool> memo)
    {
        if (memo.TryGetValue((i, j), out bool known))
        {
            return known;
        }
        bool result;
        if (i == shown.Length)
        {
            result = j == printed.Length;
        }
        else if (IsElision(shown[i]))
        {
            result = Matches(shown, printed, i + 1, j, memo) || (j < printed.Length && Matches(shown, printed, i, j + 1, memo));
        }
        else
        {
            result = j < printed.Length && LineMatches(shown[i], printed[j]) && Matches(shown, printed, i + 1, j + 1, memo);
        }
        memo[(i, j)] = result;
        return result;
    }

    /// <summary>Walks both texts, an elision skipping to the next line that matches, and names the first line that does not.</summary>
    private static string FirstDifference(string[] shown, string[] printed)
    {
        int j = 0;
        for (int i = 0; i < shown.Length; i++)
        {
            if (IsElision(shown[i]))
            {
                if (i + 1 < shown.Length)
                {
                    int k = j;
                    while (k < printed.Length && !LineMatches(shown[i + 1], printed[k]))
                    {
                        k++;
                    }
                    j = k < printed.Length ? k : j;
                }
                continue;
            }
            if (j >= printed.Length)
            {
                return $"shown line {i + 1} is missing from the output:\n  shown:   {shown[i]}";
            }
            if (!LineMatches(shown[i], printed[j]))
            {
                return $"shown line {i + 1} differs from printed line {j + 1}:\n  shown:   {shown[i]}\n  printed: {printed[j]}";
            }
            j++;
        }
        return j < printed.Length
            ? $"the output goes on after the last shown line:\n  printed: {printed[j]}"
            : "the shown lines around an elision (...) match no placement in the output";
    }
}
