using System.CommandLine;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab schema</c>: prints the JSON Schema of sweep files, embedded in lab itself so an installed tool (no clone, no
/// experiments/ folder) can give an editor the schema to validate and complete sweep files with.
/// </summary>
internal static class SchemaCommand
{
    private const string Resource = "Backprop.Lab.Cli.sweep.schema.json";

    public static Command Create(TextWriter stdout)
    {
        var command = new Command("schema", "Print the JSON Schema of sweep files (save it and name it in a sweep file's \"$schema\").");
        command.SetAction(_ =>
        {
            stdout.Write(Text());
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>experiments/sweep.schema.json as built into this assembly.</summary>
    internal static string Text()
    {
        using Stream stream = typeof(SchemaCommand).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"the resource {Resource} is missing from lab");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
