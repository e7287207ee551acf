using System.CommandLine;
using System.Net;
using Backprop.Lab.Cli.Cluster;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab silo</c>: a standalone silo that runs trials for <c>lab sweep --cluster</c>. Membership is kept by the
/// primary silo (development clustering); everything binds to loopback unless --address is given. Runs until
/// Ctrl+C or SIGTERM.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(TextWriter stdout)
    {
        var address = new Option<string>("--address") { HelpName = "IP", Description = "Address to bind and advertise (default loopback; give the machine's address to accept other machines).", DefaultValueFactory = _ => "127.0.0.1" };
        var siloPort = new Option<int>("--silo-port") { HelpName = "PORT", Description = "Port for silo-to-silo traffic.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { HelpName = "PORT", Description = "Port clients (lab sweep --cluster) connect to.", DefaultValueFactory = _ => 30000 };
        var primary = new Option<string?>("--primary") { HelpName = "HOST:PORT", Description = "Silo port of the primary silo; omit on the primary itself." };
        var trials = new Option<int>("--trials", "-j") { HelpName = "N", Description = "Trials this silo runs at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var identity = new ClusterIdentityOptions();
        var command = new Command("silo", "Run a standalone silo that trains trials for `lab sweep --cluster`.");
        command.Options.Add(address);
        command.Options.Add(siloPort);
        command.Options.Add(gatewayPort);
        command.Options.Add(primary);
        command.Options.Add(trials);
        identity.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(address), out IPAddress? ip))
            {
                throw new UserInputException($"--address: \"{parse.GetValue(address)}\" is not an IP address");
            }
            int silo = Port(parse.GetValue(siloPort), "--silo-port"), gateway = Port(parse.GetValue(gatewayPort), "--gateway-port");
            if (parse.GetValue(trials) < 1)
            {
                throw new UserInputException($"--trials must be at least 1, got {parse.GetValue(trials)}");
            }
            IPEndPoint? primaryEndpoint = parse.GetValue(primary) is string p ? Endpoints.Parse(p, "--primary") : null;
            using IHost host = OrleansHosts.Standalone(ip, silo, gateway, primaryEndpoint,
                parse.GetValue(identity.ClusterId)!, parse.GetValue(identity.ServiceId)!, parse.GetValue(trials));
            await host.StartAsync(cancellation);
            stdout.WriteLine($"silo up: silo port {ip}:{silo}, gateway {ip}:{gateway}, {parse.GetValue(trials)} trials at a time" +
                (primaryEndpoint is null ? " (primary)" : $", primary {primaryEndpoint}"));
            stdout.WriteLine($"run a sweep on it: lab sweep experiments/quickstart.json --cluster {ip}:{gateway}");
            Log.Information("Silo started on {Address}:{SiloPort}, gateway {GatewayPort}", ip, silo, gateway);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                stdout.WriteLine("stopping the silo");
            }
            await host.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int Port(int port, string option) =>
        port is >= 1 and <= 65535 ? port : throw new UserInputException($"{option} must be a port from 1 to 65535, got {port}");
}
