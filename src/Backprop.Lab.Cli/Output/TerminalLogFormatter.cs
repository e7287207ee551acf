using Backprop.Core.Text;
using Serilog.Events;
using Serilog.Formatting;

namespace Backprop.Lab.Cli.Output;

/// <summary>
/// A log formatter whose output shows control and bidi characters as <see cref="TerminalText"/> escapes: an event's
/// properties (a sweep's name, a file path, an exception's message) are user text, and a log line is read on a terminal
/// (the console) or with cat and tail (the run's log file). Line breaks pass, so events stay one line each (and a stack
/// trace several); in compact JSON the escapes are JSON's own, so the file stays valid JSON.
/// </summary>
internal sealed class TerminalLogFormatter(ITextFormatter inner) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        var rendered = new StringWriter();
        inner.Format(logEvent, rendered);
        output.Write(TerminalText.EscapeLines(rendered.ToString()));
    }
}
