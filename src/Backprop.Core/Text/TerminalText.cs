using System.Buffers;
using System.Text;

namespace Backprop.Core.Text;

/// <summary>
/// User text made safe to show on a terminal or in a log line. A terminal acts on control characters rather than
/// showing them: ESC starts sequences that move the cursor, recolour, or set the window title (ESC ] 0 ; ... BEL), CR
/// overwrites the line, C1 controls (U+0080 to U+009F) are the same sequences in one character on some terminals, and
/// the bidirectional overrides reorder what follows so a line reads differently from what it says. Each of these is
/// shown as its escape (<c>\u001b</c>), the way JSON writes it, so a sweep named <c>"\u001b]0;pwned\u0007"</c> prints
/// as those characters and the user sees what the file says.
/// </summary>
public static class TerminalText
{
    // C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
    // with the marks that steer them (U+200E, U+200F, U+061C).
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        Enumerable.Range(0, 0x20).Append(0x7F).Concat(Enumerable.Range(0x80, 0x20))
            .Concat([0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069])
            .Select(c => (char)c).ToArray());

    /// <summary><paramref name="text"/> with every control and bidi character shown as its <c>\uXXXX</c> escape, line breaks included.</summary>
    public static string Escape(string text) => Escape(text, keepLineBreaks: false);

    /// <summary>
    /// <see cref="Escape(string)"/> for text of several lines that this program put together (a message with a
    /// caret line, a log event): '\n' and '\t' are kept; CR and every other control character are escaped.
    /// </summary>
    public static string EscapeLines(string text) => Escape(text, keepLineBreaks: true);

    /// <summary>True when <paramref name="c"/> is shown as an escape (by <see cref="EscapeLines"/> unless it is '\n' or '\t').</summary>
    public static bool IsUnsafe(char c) => Unsafe.Contains(c);

    /// <summary>Where the first character to escape is in <paramref name="text"/> (-1 if none); with <paramref name="keepLineBreaks"/>, '\n' and '\t' are not counted.</summary>
    public static int IndexOfUnsafe(ReadOnlySpan<char> text, bool keepLineBreaks)
    {
        int offset = 0;
        while (true)
        {
            int i = text[offset..].IndexOfAny(Unsafe);
            if (i < 0)
            {
                return -1;
            }
            i += offset;
            if (!(keepLineBreaks && text[i] is '\n' or '\t'))
            {
                return i;
            }
            offset = i + 1;
        }
    }

    /// <summary>The escape <paramref name="c"/> is shown as: <c>\u001b</c> for ESC.</summary>
    public static string EscapeOf(char c) => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);

    private static string Escape(string text, bool keepLineBreaks)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = IndexOfUnsafe(text, keepLineBreaks);
        if (first < 0)
        {
            return text;
        }
        var b = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (Unsafe.Contains(c) && !(keepLineBreaks && c is '\n' or '\t'))
            {
                b.Append(EscapeOf(c));
            }
            else
            {
                b.Append(c);
            }
        }
        return b.ToString();
    }
}
