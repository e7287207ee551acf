using System.Text;
using Backprop.Core.Text;

namespace Backprop.Lab.Cli.Output;

/// <summary>
/// Everything a command prints passes through here on its way to stdout or stderr, so no file name, sweep name, label
/// or message a user wrote reaches the terminal with its control characters live: they are shown as
/// <see cref="TerminalText"/> escapes. Line breaks and tabs pass, since commands print lines and tables.
/// </summary>
internal sealed class TerminalWriter(TextWriter inner) : TextWriter
{
    /// <summary>The writer underneath (the console's, or a test's).</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value)
    {
        if (TerminalText.IsUnsafe(value) && value is not ('\n' or '\t'))
        {
            inner.Write(TerminalText.EscapeOf(value));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int next = TerminalText.IndexOfUnsafe(buffer, keepLineBreaks: true);
            if (next < 0)
            {
                inner.Write(buffer);
                return;
            }
            inner.Write(buffer[..next]);
            inner.Write(TerminalText.EscapeOf(buffer[next]));
            buffer = buffer[(next + 1)..];
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write(CoreNewLine);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();
}
