using System.CommandLine;
using Backprop.Core.Serialization;
using Backprop.Lab.Cli.Commands;
using Backprop.Lab.Cli.Output;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Backprop.Lab.Cli;

/// <summary>
/// The <c>lab</c> command: builds the command tree, runs it, and turns errors a user can cause into one
/// message on stderr and exit code 2 (no stack trace unless --verbose). Writers are injected so tests run
/// the real command in process.
/// </summary>
public static partial class LabApp
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show debug logs and stack traces.",
        Recursive = true,
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        args = HelpRequest(args);
        // Every line a command prints, and every message below, shows user text with its control characters escaped;
        // what a command prints is bounded by its --max-output.
        var bounded = new BoundedWriter(stdout);
        stdout = new TerminalWriter(bounded);
        stderr = new TerminalWriter(stderr);
        RootCommand root = BuildRoot(stdout);
        ParseResult parse = root.Parse(args);
        bool verbose = parse.GetValue(Verbose);
        ConfigureLogging(verbose);
        try
        {
            if (UnknownToken.Describe(parse) is string unknown)
            {
                stderr.WriteLine($"error: {unknown}");
                return ExitCodes.BadInput;
            }
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors)
                {
                    stderr.WriteLine($"error: {InWords(error.Message)}");
                }
                stderr.WriteLine("Run 'lab --help' (or 'lab COMMAND --help') for usage.");
                return ExitCodes.BadInput;
            }
            bounded.Limit = MaxOutputOption.Resolve(parse);
            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                // Ctrl+C cancels the command's token; give a sweep time to save what it finished before the process exits.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
            };
            // Run on the thread pool, away from any caller's synchronisation context (a test runner's, say): async
            // commands (the sweep, the silo) would otherwise deadlock waiting for a context that is blocked here.
            return Task.Run(() => parse.InvokeAsync(configuration)).GetAwaiter().GetResult();
        }
        catch (InputFileException e)
        {
            foreach (InputFileException problem in e.All)
            {
                stderr.WriteLine($"error: {problem.Message}");
            }
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }
            return ExitCodes.BadInput;
        }
        catch (OutputLimitException e)
        {
            stdout.Flush();
            stderr.WriteLine($"error: output cut after {MaxOutputOption.Describe(e.Limit)} (the limit of {MaxOutputOption.Name}); " +
                $"give {MaxOutputOption.Name} with a larger size, or {MaxOutputOption.Name} none, to print all of it");
            return ExitCodes.OutputCut;
        }
        catch (UserInputException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Cluster.ClusterUnavailableException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.ClusterUnavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Debug(e, "File error");
            stderr.WriteLine($"error: {e.Message}");
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }
            return ExitCodes.FileError;
        }
        catch (Exception e)
        {
            Log.Error(e, "Command failed");
            stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine(verbose ? e.ToString() : "Run again with --verbose for the stack trace.");
            return ExitCodes.InternalError;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    /// <summary>
    /// A bare <c>lab</c> and <c>lab help</c> show the command list, <c>lab help COMMAND</c> that command's help (exit 0):
    /// a newcomer's first two guesses.
    /// </summary>
    internal static string[] HelpRequest(string[] args) => args switch
    {
        [] => ["--help"],
        ["help", .. var rest] => [.. rest, "--help"],
        _ => args,
    };

    /// <summary>
    /// The parser's message with the .NET type it names said in words: "Cannot parse argument 'x' for option '--parallel'
    /// as expected type 'System.Int32'" becomes "... as an integer".
    /// </summary>
    internal static string InWords(string message) => ClrType().Replace(message, m => "as " + m.Groups["type"].Value switch
    {
        "Int32" or "Int64" or "Int16" => "an integer",
        "UInt64" or "UInt32" or "UInt16" or "Byte" => "a non-negative integer",
        "Double" or "Single" or "Decimal" => "a number",
        "Boolean" => "true or false",
        "IO.FileInfo" => "a file path",
        "IO.DirectoryInfo" => "a folder path",
        "String" => "text",
        "TimeSpan" => "a duration",
        _ => "a value of the expected kind",
    });

    [System.Text.RegularExpressions.GeneratedRegex(@"as expected type '(System\.Nullable`1\[)?System\.(?<type>[A-Za-z0-9.]+)\]?'")]
    private static partial System.Text.RegularExpressions.Regex ClrType();

    internal static RootCommand BuildRoot(TextWriter stdout)
    {
        var root = new RootCommand(
            "Backprop.Lab: learn, check and study backpropagation. Gradients of dense networks, training, and more.");
        root.Options.Add(Verbose);
        root.Subcommands.Add(GradCommand.Create(stdout));
        root.Subcommands.Add(TrainCommand.Create(stdout));
        root.Subcommands.Add(ExplainCommand.Create(stdout));
        root.Subcommands.Add(SweepCommand.Create(stdout));
        root.Subcommands.Add(ReproduceCommand.Create(stdout));
        root.Subcommands.Add(SiloCommand.Create(stdout));
        root.Subcommands.Add(TheoryCommand.Create(stdout));
        root.Subcommands.Add(GradCheckCommand.Create(stdout));
        root.Subcommands.Add(ReportCommand.Create(stdout));
        root.Subcommands.Add(ServeCommand.Create(stdout));
        root.Subcommands.Add(BenchCommand.Create(stdout));
        root.Subcommands.Add(SchemaCommand.Create(stdout));
        return root;
    }

    /// <summary>--verbose was given: framework logs reach the console too.</summary>
    internal static bool IsVerbose { get; private set; }

    /// <summary>
    /// Set when the command is being cancelled (Ctrl+C, SIGTERM): from then on the console shows no event of the hosted
    /// silo or client (anything logged through an ILogger, which carries a SourceContext: Orleans' and Polly's errors
    /// about calls and start-up cut short, the grains failing to store state while the silo shuts down), only the
    /// command's own, so its last words ("finish with: ...") are the last thing printed. The run's log file keeps all.
    /// </summary>
    internal static bool Stopping
    {
        get => Volatile.Read(ref _stopping);
        set => Volatile.Write(ref _stopping, value);
    }

    private static bool _stopping;

    private static void ConfigureLogging(bool verbose)
    {
        IsVerbose = verbose;
        Stopping = false;
        // Diagnostics go to stderr through Serilog; what the user asked for goes to stdout through the commands.
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
            // Orleans warns about routine things (server GC off, a silo declared dead during a sweep that recovers);
            // the console shows its errors, the run's log file keeps everything from Information up.
            .MinimumLevel.Override("Orleans", verbose ? LogEventLevel.Information : LogEventLevel.Error)
            // A host that cannot start (cluster unreachable) is reported by the command in one line; the hosting
            // stack's stack trace is for --verbose.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", verbose ? LogEventLevel.Information : LogEventLevel.Fatal)
            // Orleans retries placement through Polly, which warns of every retry with the whole exception: a peer
            // silo that dies mid-sweep made each survivor print hundreds of lines for one routine recovery.
            .MinimumLevel.Override("Polly", verbose ? LogEventLevel.Information : LogEventLevel.Error)
            .Filter.ByExcluding(e => Stopping && !verbose && e.Properties.ContainsKey("SourceContext"))
            // One line per event; stack traces are for --verbose (and for the run's or silo's log file).
            .WriteTo.Console(new TerminalLogFormatter(new MessageTemplateTextFormatter(
                    verbose ? "[{Level:u3}] {Message:lj}{NewLine}{Exception}" : "[{Level:u3}] {Message:lj}{NewLine}")),
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }
}
