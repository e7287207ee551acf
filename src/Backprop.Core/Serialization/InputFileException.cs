namespace Backprop.Core.Serialization;

/// <summary>
/// A user's input file (network, batch, later sweep) that cannot be used. The message names the file, the
/// JSON path of the offending field and what was expected, e.g.
/// <c>net.json: $.layers[1].units: expected an integer >= 1, found 0</c>.
/// </summary>
public sealed class InputFileException : Exception
{
    public InputFileException(string file, string jsonPath, string problem, Exception? inner = null)
        : base($"{file}: {jsonPath}: {problem}", inner)
    {
        File = file;
        JsonPath = jsonPath;
        Problem = problem;
    }

    public string File { get; }
    public string JsonPath { get; }
    public string Problem { get; }
}
