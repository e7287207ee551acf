using System.CommandLine;
using Backprop.Lab.Cli.Cluster;
using Backprop.Lab.Cli.Results;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// The options of how a sweep runs (where, how many at once, retries, memory, saving, serving), shared by <c>lab sweep</c>
/// and <c>lab reproduce</c>, and the one path from a prepared results folder to a finished sweep and its report.
/// </summary>
internal sealed class SweepRunOptions
{
    private readonly Option<int> _parallel = new("--parallel", "-j") { HelpName = "N", Description = "Trials run at once in this process or on the embedded silo (default: one per core); on a cluster each lab silo has its own -j.", DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly Option<bool> _inProcess = new("--in-process") { Description = "Run trials in this process without Orleans (the baseline executor)." };
    private readonly Option<string[]> _cluster = new("--cluster") { HelpName = "HOST:PORT", Description = "Gateways of running silos (lab silo) to run on, instead of the embedded silo; with Redis use --redis instead.", AllowMultipleArgumentsPerToken = true };
    private readonly ClusterIdentityOptions _identity = new();
    private readonly Option<int> _attempts = new("--max-attempts") { HelpName = "N", Description = "Attempts per trial (a failure, or a lease that expired because its silo was lost, each use one).", DefaultValueFactory = _ => 3 };
    private readonly Option<string?> _memoryBudget = MemoryBudgetOption.Create("of this sweep");
    private readonly Option<int> _connectTimeout = new("--connect-timeout") { HelpName = "SECONDS", Description = "How long to try reaching --cluster before giving up.", DefaultValueFactory = _ => 15 };
    private readonly Option<bool> _serve = new("--serve") { Description = "While the sweep runs, serve its results folder as live web pages on 127.0.0.1 (see lab serve)." };
    private readonly Option<int> _port = ServeCommand.PortOption($"Port for --serve on 127.0.0.1 (0: any free port; default {ServeCommand.DefaultPort}).");
    private readonly Option<int> _saveTimeout = new("--save-timeout") { HelpName = "SECONDS", Description = "How long to keep retrying when results cannot be saved (a full disk) before giving up with a resumable folder.", DefaultValueFactory = _ => 60 };

    /// <summary>Adds the options to <paramref name="command"/>, with <paramref name="before"/> (a command's own) placed ahead of the saving options.</summary>
    public void AddTo(Command command, params Option[] before)
    {
        command.Options.Add(_parallel);
        command.Options.Add(_inProcess);
        command.Options.Add(_cluster);
        _identity.AddTo(command);
        command.Options.Add(_attempts);
        command.Options.Add(_memoryBudget);
        command.Options.Add(_connectTimeout);
        foreach (Option option in before)
        {
            command.Options.Add(option);
        }
        command.Options.Add(_saveTimeout);
        command.Options.Add(_serve);
        command.Options.Add(_port);
    }

    /// <summary>
    /// Runs the sweep of the folder <paramref name="prepare"/> opens (locked for the run) to its end, with its report; then
    /// <paramref name="finished"/>, when given, on the complete folder decides the exit code.
    /// </summary>
    public async Task<int> RunAsync(TextWriter stdout, ParseResult parse, Func<Prepared> prepare, CancellationToken cancellation,
        Func<ResultsDirectory, int>? finished = null)
    {
        using CancellationTokenRegistration quiet = cancellation.Register(() => LabApp.Stopping = true);
        await using var run = new SweepRun(
            parse.GetValue(_parallel), parse.GetValue(_inProcess), parse.GetValue(_cluster) ?? [],
            _identity.Resolve(parse), parse.GetValue(_attempts), parse.GetValue(_connectTimeout))
        {
            RedisFlag = parse.GetValue(_identity.Redis) is not null,
            Budget = MemoryBudgetOption.Resolve(parse.GetValue(_memoryBudget)),
            BudgetFlag = parse.GetValue(_memoryBudget) is not null,
            ParallelFlag = parse.GetResult(_parallel) is { Implicit: false },
        };
        run.Validate();
        TimeSpan saving = TimeSpan.FromSeconds(parse.GetValue(_saveTimeout) is >= 0 and var seconds ? seconds
            : throw new UserInputException($"--save-timeout must be 0 or more seconds, got {parse.GetValue(_saveTimeout)}"));
        Prepared prepared = prepare();
        using ResultsFolderLock held = prepared.Lock;
        ResultsDirectory results = prepared.Results;
        try
        {
            await using var server = parse.GetValue(_serve) ? await ServeCommand.StartAsync([results.Path], parse.GetValue(_port), cancellation) : null;
            if (server is not null)
            {
                stdout.WriteLine($"serving {results.Path} at {server.Url} while the sweep runs");
            }
            int code = await SweepCommand.RunAsync(stdout, prepared.Spec, results, run, saving, cancellation);
            return code == ExitCodes.Ok && finished is not null ? finished(results) : code;
        }
        catch (Exception e) when ((e is ClusterUnavailableException or UserInputException) && prepared.Created && results.All().Count == 0)
        {
            // Nothing ran: do not leave an empty results folder behind for every refused attempt.
            held.Dispose();
            Directory.Delete(results.Path, recursive: true);
            throw;
        }
    }
}
