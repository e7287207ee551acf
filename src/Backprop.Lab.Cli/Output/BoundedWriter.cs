using System.Text;

namespace Backprop.Lab.Cli.Output;

/// <summary>
/// Stops a command that prints more than <see cref="Limit"/> bytes (UTF-8): what fits is written, then
/// <see cref="OutputLimitException"/> ends the command, which <see cref="LabApp"/> reports in one line with the option
/// that raises the limit. An explanation of a 100,000-path formula or the gradients of a million-example batch as text
/// would otherwise fill a disk or a terminal's scrollback before the user could stop it.
/// </summary>
internal sealed class BoundedWriter(TextWriter inner) : TextWriter
{
    private long _written;
    private char _last = '\n';

    /// <summary>Bytes the command may print; <see cref="long.MaxValue"/> for no limit.</summary>
    public long Limit { get; set; } = long.MaxValue;

    /// <summary>The writer underneath.</summary>
    public TextWriter Inner => inner;

    /// <summary>True once the limit has been reached and output cut.</summary>
    public bool Cut { get; private set; }

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value) => Write([value]);

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }
        if (Cut)
        {
            throw new OutputLimitException(Limit);
        }
        long bytes = Encoding.UTF8.GetByteCount(buffer);
        if (_written + bytes <= Limit)
        {
            inner.Write(buffer);
            _written += bytes;
            _last = buffer[^1];
            return;
        }
        // As many whole characters as fit, then the line ended so the message that follows starts on its own.
        int fits = 0;
        long room = Limit - _written;
        while (fits < buffer.Length && room >= Encoding.UTF8.GetByteCount(buffer.Slice(fits, 1)))
        {
            room -= Encoding.UTF8.GetByteCount(buffer.Slice(fits, 1));
            fits++;
        }
        inner.Write(buffer[..fits]);
        if ((fits > 0 ? buffer[fits - 1] : _last) != '\n')
        {
            inner.WriteLine();
        }
        inner.Flush();
        Cut = true;
        throw new OutputLimitException(Limit);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write(CoreNewLine);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();
}

/// <summary>A command printed <see cref="Limit"/> bytes and was stopped (exit code <see cref="ExitCodes.OutputCut"/>).</summary>
internal sealed class OutputLimitException(long limit) : Exception($"output stopped after {limit} bytes")
{
    public long Limit => limit;
}
