using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Backprop.Core.Experiments;
using Backprop.Lab.Cli.Cluster;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab silo</c>: a standalone silo that runs trials for <c>lab sweep --redis</c> or <c>--cluster</c>. With Redis,
/// membership and the SweepGrain's state live there and the cluster survives losing any silo; without it, the primary
/// silo keeps membership (development clustering). Everything binds to loopback unless --address is given; ports
/// already in use are refused before Orleans starts. Runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(TextWriter stdout)
    {
        var address = new Option<string?>("--address") { HelpName = "IP", Description = "Address to bind (default loopback; give the machine's address to accept other machines; env LAB_Cluster__Address)." };
        var advertise = new Option<string?>("--advertise") { HelpName = "IP", Description = "Address other silos and clients use to reach this one, when not --address (containers, NAT; env LAB_Cluster__AdvertisedAddress)." };
        var siloPort = new Option<int?>("--silo-port") { HelpName = "PORT", Description = "Port for silo-to-silo traffic (default 11111; env LAB_Cluster__SiloPort)." };
        var gatewayPort = new Option<int?>("--gateway-port") { HelpName = "PORT", Description = "Port clients (lab sweep --cluster) connect to (default 30000; env LAB_Cluster__GatewayPort)." };
        var primary = new Option<string?>("--primary") { HelpName = "HOST:PORT", Description = "Without Redis: silo port of the primary silo; omit on the primary itself." };
        var trials = new Option<int>("--parallel", "-j") { HelpName = "N", Description = "Trials this silo runs at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var dashboard = new Option<bool>("--dashboard") { Description = "Serve the Orleans Dashboard (grains, calls, silos) on http://127.0.0.1:PORT/ (loopback only; open it with the URL printed, which carries this run's token)." };
        var dashboardPort = new Option<int>("--dashboard-port") { HelpName = "PORT", Description = "Port of --dashboard.", DefaultValueFactory = _ => 8080 };
        var log = new Option<FileInfo?>("--log") { HelpName = "FILE", Description = "Also write this silo's log as compact JSON lines to FILE (every trial event carries SweepId and TrialKey)." };
        var memoryBudget = MemoryBudgetOption.Create("this silo");
        var metrics = new Option<string?>("--metrics") { HelpName = "EXPORTER", Description = "console, otlp or otlp=URL: export this silo's metrics (trials started and finished, trial seconds, busy workers, and Orleans' own) with OpenTelemetry: to the console, or to an OTLP collector (default endpoint http://localhost:4317 or OTEL_EXPORTER_OTLP_ENDPOINT)." };
        var metricsInterval = new Option<int>("--metrics-interval") { HelpName = "SECONDS", Description = "How often --metrics exports.", DefaultValueFactory = _ => 10 };
        var identity = new ClusterIdentityOptions();
        var command = new Command("silo", "Run a standalone silo that trains trials for `lab sweep --cluster` or `lab sweep --redis`.");
        command.Options.Add(address);
        command.Options.Add(advertise);
        command.Options.Add(siloPort);
        command.Options.Add(gatewayPort);
        command.Options.Add(primary);
        command.Options.Add(trials);
        command.Options.Add(memoryBudget);
        command.Options.Add(log);
        command.Options.Add(metrics);
        command.Options.Add(metricsInterval);
        command.Options.Add(dashboard);
        command.Options.Add(dashboardPort);
        identity.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            ClusterSettings settings = identity.Resolve(parse);
            settings = settings with
            {
                Address = parse.GetValue(address) is string a ? ClusterSettings.Ip(a, "--address") : settings.Address,
                AdvertisedAddress = parse.GetValue(advertise) is string aa ? ClusterSettings.Ip(aa, "--advertise") : settings.AdvertisedAddress,
                SiloPort = parse.GetValue(siloPort) is int sp ? ClusterSettings.Port(sp, "--silo-port") : settings.SiloPort,
                GatewayPort = parse.GetValue(gatewayPort) is int gp ? ClusterSettings.Port(gp, "--gateway-port") : settings.GatewayPort,
            };
            if (parse.GetValue(trials) < 1)
            {
                throw new UserInputException($"--parallel must be at least 1, got {parse.GetValue(trials)}");
            }
            MemoryBudget budget = MemoryBudgetOption.Resolve(parse.GetValue(memoryBudget));
            MetricsExport? export = MetricsExport.Parse(parse.GetValue(metrics), parse.GetValue(metricsInterval));
            IPEndPoint? primaryEndpoint = parse.GetValue(primary) is string p ? Endpoints.Parse(p, "--primary") : null;
            if (primaryEndpoint is not null && settings.Redis is not null)
            {
                throw new UserInputException("--primary is for clusters without Redis; with --redis every silo finds the others in Redis");
            }
            using RunLog? runLog = parse.GetValue(log) is FileInfo logFile ? RunLog.Start(logFile.FullName) : null;
            // Orleans listens with port reuse, so a second silo on a taken port would start and share it silently.
            Endpoints.EnsureFree(settings.Address, settings.SiloPort, "--silo-port");
            Endpoints.EnsureFree(settings.Address, settings.GatewayPort, "--gateway-port");
            // A new token each run: whoever has the URL of this run's dashboard can read it, nobody else.
            string dashboardToken = DashboardGuard.NewToken();
            int? dashboardAt = parse.GetValue(dashboard) ? ClusterSettings.Port(parse.GetValue(dashboardPort), "--dashboard-port") : null;
            if (dashboardAt is int d)
            {
                Endpoints.EnsureFree(IPAddress.Loopback, d, "--dashboard-port");
            }
            if (settings.Insecure)
            {
                stdout.WriteLine(ClusterSettings.InsecureWarning);
            }
            X509Certificate2? certificate = settings.LoadTlsCertificate(stdout.WriteLine);
            IHost host = OrleansHosts.Standalone(settings, certificate, primaryEndpoint, parse.GetValue(trials), budget, dashboardAt, dashboardToken, export);
            try
            {
                await host.StartAsync(cancellation);
            }
            catch (Exception e) when (settings.Redis is not null && !cancellation.IsCancellationRequested && IsRedisProblem(e))
            {
                Log.Debug(e, "Starting the silo failed");
                host.Dispose();
                throw new ClusterUnavailableException($"the silo could not use Redis at {settings.Redis}: {e.GetBaseException().Message}" +
                    $" (is redis-server running there{(Environment.GetEnvironmentVariable(ClusterSettings.RedisPasswordVariable) is null ? "" : $", and is {ClusterSettings.RedisPasswordVariable} right")}?)");
            }
            catch
            {
                host.Dispose();
                throw;
            }
            IPAddress reachable = settings.AdvertisedAddress ?? settings.Address;
            stdout.WriteLine($"silo up: silo port {reachable}:{settings.SiloPort}, gateway {reachable}:{settings.GatewayPort}, {parse.GetValue(trials)} trials at a time within {TrialMemory.Format(budget.Bytes)} ({budget.Origin}), " +
                (settings.Redis is not null ? $"membership and storage in Redis {settings.Redis}" : primaryEndpoint is null ? "primary" : $"primary {primaryEndpoint}") +
                $", ClusterId \"{settings.ClusterId}\", ServiceId \"{settings.ServiceId}\"" + (settings.Insecure ? ", INSECURE (no TLS)" : ", TLS"));
            stdout.WriteLine(settings.Redis is not null
                ? $"run a sweep on it: lab sweep experiments/quickstart.json --redis {settings.Redis}" + IdFlags(settings)
                : $"run a sweep on it: lab sweep experiments/quickstart.json --cluster {reachable}:{settings.GatewayPort}" + IdFlags(settings));
            if (dashboardAt is int at)
            {
                stdout.WriteLine($"dashboard: http://127.0.0.1:{at}/?{DashboardGuard.TokenParameter}={dashboardToken}");
            }
            Log.Information("Silo started on {Address}:{SiloPort}, gateway {GatewayPort}, {Cluster}", reachable, settings.SiloPort, settings.GatewayPort, settings.Describe());
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                stdout.WriteLine("stopping the silo");
            }
            // A clean stop tells the cluster this silo is leaving, through the membership table. With Redis gone that
            // write never completes and the silo hung on SIGTERM for minutes: after StopDeadline it exits anyway
            // (the other silos then declare it dead, as after a crash; its running trials are restarted elsewhere).
            Task stopping = host.StopAsync(CancellationToken.None);
            if (await Task.WhenAny(stopping, Task.Delay(StopDeadline, CancellationToken.None)) != stopping)
            {
                Log.Error("The silo did not stop within {Seconds} s (is Redis reachable?); exiting without a clean leave", StopDeadline.TotalSeconds);
                stdout.WriteLine($"the silo did not stop cleanly within {StopDeadline.TotalSeconds:0} s (is Redis reachable?); exiting, and the cluster will declare it dead");
                stdout.Flush();
                Log.CloseAndFlush();
                Environment.Exit(ExitCodes.InternalError); // disposing the host would wait on the same stuck stop
            }
            host.Dispose();
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>How long a stopping silo may take before it exits without a clean leave.</summary>
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(20);

    private static string IdFlags(ClusterSettings s) =>
        (s.ClusterId == "backprop-lab" ? "" : $" --cluster-id {s.ClusterId}") + (s.ServiceId == "backprop-lab" ? "" : $" --service-id {s.ServiceId}")
        + (s.Insecure ? " --insecure" : s.TlsCertificate is null ? "" : $" --tls-cert {s.TlsCertificate}");

    private static bool IsRedisProblem(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is StackExchange.Redis.RedisException || x.GetType().Namespace?.StartsWith("Orleans.Clustering.Redis", StringComparison.Ordinal) == true
                || x.GetType().Namespace?.StartsWith("Orleans.Persistence", StringComparison.Ordinal) == true)
            {
                return true;
            }
        }
        return e is AggregateException a && a.InnerExceptions.Any(IsRedisProblem);
    }
}
