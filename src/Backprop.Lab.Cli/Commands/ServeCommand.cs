using System.CommandLine;
using System.Net.Sockets;
using Backprop.Lab.Web.Serving;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab serve [DIR...] [--port N]</c>: serves the results folders under each DIR (default results/) on
/// http://127.0.0.1:PORT/ until Ctrl+C: the sweep view, the trial view, and pages that update as trials finish.
/// Loopback only; nothing is trained or changed.
/// </summary>
internal static class ServeCommand
{
    public const int DefaultPort = 5180;

    public static Option<int> PortOption(string description) => new("--port")
    {
        HelpName = "N",
        Description = description,
        DefaultValueFactory = _ => DefaultPort,
    };

    public static Command Create(TextWriter stdout)
    {
        var folders = new Argument<DirectoryInfo[]>("DIR")
        {
            Description = "Folders of results folders (or results folders themselves) to serve; default results/.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var port = PortOption($"Port on 127.0.0.1 (0: any free port; default {DefaultPort}).");
        var command = new Command("serve", "Serve the results folders as live web pages on 127.0.0.1: phase diagrams, profiles, training curves, trials.");
        command.Arguments.Add(folders);
        command.Options.Add(port);
        command.SetAction(async (parse, cancellation) =>
        {
            DirectoryInfo[] given = parse.GetValue(folders) is { Length: > 0 } f ? f : [new DirectoryInfo("results")];
            foreach (DirectoryInfo d in given.Where(d => !d.Exists))
            {
                throw new UserInputException(File.Exists(d.FullName)
                    ? $"{d.FullName} is a file; give a folder of results folders (such as results/) or a results folder"
                    : $"{d.FullName} does not exist; give a folder of results folders (such as results/) or a results folder");
            }
            await using LabServer server = await StartAsync(given.Select(d => d.FullName).ToArray(), parse.GetValue(port), cancellation);
            int sweeps = server.Catalog.Folders.Count;
            stdout.WriteLine($"serving {sweeps} results folder{(sweeps == 1 ? "" : "s")} from {string.Join(", ", given.Select(d => d.FullName))}");
            stdout.WriteLine($"open {server.Url} (Ctrl+C to stop)");
            stdout.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C is how a server is stopped: a normal end.
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Starts the server, turning a port in use or out of range into one message.</summary>
    public static async Task<LabServer> StartAsync(IReadOnlyList<string> roots, int port, CancellationToken cancellation)
    {
        if (port is < 0 or > 65535)
        {
            throw new UserInputException($"--port must be between 0 and 65535, got {port}");
        }
        try
        {
            return await LabServer.StartAsync(roots, port, cancellation);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserInputException($"port {port} on 127.0.0.1 is in use; choose another with --port N (0 picks a free one)");
        }
    }
}
