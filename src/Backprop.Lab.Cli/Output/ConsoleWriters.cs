namespace Backprop.Lab.Cli.Output;

/// <summary>What lies under the writers <see cref="LabApp"/> wraps around the console.</summary>
internal static class ConsoleWriters
{
    /// <summary>True when <paramref name="writer"/> ends, through <see cref="TerminalWriter"/> and <see cref="BoundedWriter"/>, at the console's stdout.</summary>
    public static bool IsConsoleOut(TextWriter writer) => writer switch
    {
        TerminalWriter t => IsConsoleOut(t.Inner),
        BoundedWriter b => IsConsoleOut(b.Inner),
        _ => ReferenceEquals(writer, Console.Out),
    };
}
