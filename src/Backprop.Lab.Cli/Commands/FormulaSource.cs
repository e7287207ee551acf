using System.Text;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// Where <c>lab explain</c> takes its formula or program from: the EXPR argument, <c>--file FILE</c>, or standard
/// input (<c>-</c> as EXPR or as FILE). A command line holds at most 128 KB per argument on Linux, and a program worth
/// explaining can be longer. What is read is bounded: the whole text is parsed and explained in memory.
/// </summary>
internal static class FormulaSource
{
    /// <summary>The longest formula or program read; its explanation takes some hundred times this in memory.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The formula text, or null when neither EXPR nor --file is given.</summary>
    public static string? Read(string? argument, string? file)
    {
        if (argument is not null && file is not null)
        {
            throw new UserInputException("give the formula as EXPR or with --file, not both");
        }
        string? source = argument == "-" ? "-" : file;
        if (source is null)
        {
            return argument;
        }
        if (source == "-")
        {
            return Bounded(Console.OpenStandardInput(), "standard input");
        }
        if (Directory.Exists(source))
        {
            throw new UserInputException($"--file {source}: is a folder, not a file");
        }
        if (!File.Exists(source))
        {
            throw new UserInputException($"--file {source}: file not found");
        }
        using FileStream stream = File.OpenRead(source);
        return Bounded(stream, source);
    }

    private static string Bounded(Stream stream, string what)
    {
        var buffer = new byte[MaxBytes + 1];
        int length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }
        if (length > MaxBytes)
        {
            throw new UserInputException($"{what}: the formula is longer than {MaxBytes >> 10} KB, the most lab explain reads");
        }
        try
        {
            string text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
            return text.TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new UserInputException($"{what}: not UTF-8 text");
        }
    }
}
