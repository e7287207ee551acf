using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Backprop.Lab.Cli;

/// <summary>
/// Adds a compact-JSON log file for one run (log.jsonl in the results folder) to the process's Serilog
/// pipeline, at Debug for our events and Information for Orleans', and restores the previous logger on dispose.
/// </summary>
internal sealed class RunLog : IDisposable
{
    private readonly ILogger _previous;
    private readonly Logger _logger;
    private readonly string _path;

    private RunLog(ILogger previous, Logger logger, string path)
    {
        _previous = previous;
        _logger = logger;
        _path = path;
    }

    public static RunLog Start(string path)
    {
        ILogger previous = Log.Logger;
        Logger logger = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .MinimumLevel.Override("Orleans", LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // Orleans' client wraps calls in Polly pipelines that log three Debug events per call.
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // Overrides do not reach a sub-logger, so the console's own rule is repeated here: Orleans' and the
            // hosting stack's routine warnings go to the file only (all of it with --verbose).
            .WriteTo.Logger(console => console
                .Filter.ByExcluding(e => !LabApp.IsVerbose && IsFramework(e, out string source)
                    && (e.Level < LogEventLevel.Error || source.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)))
                .WriteTo.Logger(previous))
            .WriteTo.File(new Output.TerminalLogFormatter(new CompactJsonFormatter()), path, shared: true)
            .CreateLogger();
        Log.Logger = logger;
        return new RunLog(previous, logger, path);
    }

    /// <summary>An event of Orleans or of the Microsoft hosting stack, rather than of this program.</summary>
    internal static bool IsFramework(LogEvent e, out string source)
    {
        source = e.Properties.TryGetValue("SourceContext", out LogEventPropertyValue? value) && value is ScalarValue { Value: string s } ? s : "";
        return source.StartsWith("Orleans", StringComparison.Ordinal) || source.StartsWith("Microsoft", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Log.Logger = _previous;
        try
        {
            _logger.Dispose();
        }
        catch (IOException e)
        {
            // The log is diagnostics: a full disk that cost its last lines must not hide what the command reports.
            _previous.Warning("The run's log {LogFile} could not be completed: {Error}", _path, e.Message);
        }
    }
}
