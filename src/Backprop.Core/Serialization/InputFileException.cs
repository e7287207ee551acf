namespace Backprop.Core.Serialization;

/// <summary>
/// A user's input file (network, batch, sweep) that cannot be used. The message names the file, the JSON path of the
/// offending field and what was expected, e.g. <c>net.json: $.layers[1].units: expected an integer >= 1, found 0</c>.
/// Readers that check a whole file before giving up (sweep files) put every problem they found in <see cref="All"/>,
/// one line of the message each; the other properties describe the first.
/// </summary>
public sealed class InputFileException : Exception
{
    public InputFileException(string file, string jsonPath, string problem, Exception? inner = null)
        : base($"{file}: {jsonPath}: {problem}", inner)
    {
        File = file;
        JsonPath = jsonPath;
        Problem = problem;
        All = [this];
    }

    private InputFileException(IReadOnlyList<InputFileException> problems)
        : base(string.Join('\n', problems.Select(p => p.Message)))
    {
        File = problems[0].File;
        JsonPath = problems[0].JsonPath;
        Problem = problems[0].Problem;
        All = problems;
    }

    public string File { get; }
    public string JsonPath { get; }
    public string Problem { get; }

    /// <summary>Every problem found, in file order: this one alone unless the reader collected several.</summary>
    public IReadOnlyList<InputFileException> All { get; }

    /// <summary>One exception for <paramref name="problems"/> (at least one): the problem itself when there is one.</summary>
    public static InputFileException Combine(IReadOnlyList<InputFileException> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentOutOfRangeException.ThrowIfZero(problems.Count);
        return problems.Count == 1 ? problems[0] : new InputFileException(problems.SelectMany(p => p.All).ToArray());
    }
}
