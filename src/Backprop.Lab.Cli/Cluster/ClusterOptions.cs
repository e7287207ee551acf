using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// Where a silo or a client finds its cluster, resolved from (highest first) command-line flags, environment
/// variables <c>LAB_Cluster__NAME</c>, the <c>Cluster</c> section of <c>appsettings.json</c> (the current
/// folder's, or <c>--config FILE</c>), and the defaults. The Redis password is read only from the environment
/// variable <see cref="RedisPasswordVariable"/>, never from a flag or a file, and never logged.
/// </summary>
internal sealed record ClusterSettings
{
    public const string RedisPasswordVariable = "LAB_REDIS_PASSWORD";
    public const string TlsPasswordVariable = "LAB_TLS_PASSWORD";
    public const string EnvironmentPrefix = "LAB_";

    public string ClusterId { get; init; } = "backprop-lab";
    public string ServiceId { get; init; } = "backprop-lab";

    /// <summary>Redis endpoints ("HOST:PORT[,HOST:PORT]") for membership and the SweepGrain's storage; null: no Redis.</summary>
    public string? Redis { get; init; }

    /// <summary>Address the silo binds to (loopback by default).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>Address other silos and clients reach this silo at, when it is not <see cref="Address"/> (NAT, containers).</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// The cluster's TLS certificate (a PKCS#12 file, password from <see cref="TlsPasswordVariable"/>): with it, silos
    /// and clients talk TLS and accept only peers that present this same certificate (or one their system trusts).
    /// </summary>
    public string? TlsCertificate { get; init; }

    /// <summary>
    /// --insecure: no TLS, so anyone who reaches the silo and gateway ports is a member of the cluster. Without it and
    /// without <see cref="TlsCertificate"/>, the user's own cluster certificate (<see cref="ClusterCertificate"/>) is used.
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>Failure-detection settings (<c>Cluster:Membership</c>), bound to Orleans' ClusterMembershipOptions.</summary>
    public IConfigurationSection? Membership { get; init; }

    /// <summary>The StackExchange.Redis options for <see cref="Redis"/>, with the password from the environment.</summary>
    public ConfigurationOptions RedisOptions()
    {
        if (Redis is null)
        {
            throw new InvalidOperationException("no Redis configured");
        }
        var options = new ConfigurationOptions
        {
            // A silo must fail clearly when Redis is not there at start; once connected, the multiplexer reconnects
            // on its own (Redis restarted mid-sweep).
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
            ConnectRetry = 3,
            ClientName = "backprop-lab",
        };
        foreach (string endpoint in Redis.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            options.EndPoints.Add(endpoint);
        }
        string? password = Environment.GetEnvironmentVariable(RedisPasswordVariable);
        if (!string.IsNullOrEmpty(password))
        {
            options.Password = password;
        }
        return options;
    }

    /// <summary>
    /// The certificate silos and clients present and pin: <see cref="TlsCertificate"/> if given (a missing file or a wrong
    /// password is the user's error, exit 2), else the user's cluster certificate, created on first use (then
    /// <paramref name="say"/> tells where); null with <see cref="Insecure"/>.
    /// </summary>
    public X509Certificate2? LoadTlsCertificate(Action<string>? say = null)
    {
        if (Insecure)
        {
            return null;
        }
        if (TlsCertificate is null)
        {
            string path = ClusterCertificate.DefaultPath();
            X509Certificate2 own = ClusterCertificate.LoadOrCreate(path, out bool created);
            if (created)
            {
                say?.Invoke($"created the cluster certificate {path} (readable by you alone); silos and clients on other machines join with a copy of it");
            }
            return own;
        }
        if (!File.Exists(TlsCertificate))
        {
            throw new UserInputException($"--tls-cert: no file '{TlsCertificate}'");
        }
        try
        {
            X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(TlsCertificate, Environment.GetEnvironmentVariable(TlsPasswordVariable));
            return certificate.HasPrivateKey ? certificate
                : throw new UserInputException($"--tls-cert: '{TlsCertificate}' has no private key (give the PKCS#12 file with its key)");
        }
        catch (CryptographicException e)
        {
            throw new UserInputException($"--tls-cert: cannot read '{TlsCertificate}' as PKCS#12 ({e.Message.TrimEnd('.')}); is {TlsPasswordVariable} right?");
        }
    }

    /// <summary>How members authenticate, for the lines a silo or a sweep prints.</summary>
    public string DescribeSecurity() => Insecure ? "INSECURE (no TLS)"
        : TlsCertificate is null ? $"TLS with the cluster certificate {ClusterCertificate.DefaultPath()}"
        : $"TLS with {TlsCertificate}";

    public const string InsecureWarning = "warning: --insecure: silos and clients do not authenticate each other; anyone who can reach these ports can run code on this cluster";

    /// <summary>Applies the Membership section (if any) to Orleans' options.</summary>
    public void ConfigureMembership(ClusterMembershipOptions options)
    {
        Membership?.Bind(options);
    }

    /// <summary>What a person needs to recognise the cluster: ids and Redis endpoints (never the password).</summary>
    public string Describe() => Redis is null
        ? $"ClusterId \"{ClusterId}\", ServiceId \"{ServiceId}\""
        : $"Redis {Redis}, ClusterId \"{ClusterId}\", ServiceId \"{ServiceId}\"";

    /// <summary>Reads the file and environment layers; flags are applied by the commands on top.</summary>
    public static (ClusterSettings Settings, IConfiguration Configuration) Load(string? configFile)
    {
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new UserInputException($"--config: no file '{configFile}'");
        }
        string file = configFile ?? Path.Combine(Environment.CurrentDirectory, "appsettings.json");
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.GetFullPath(file), optional: configFile is null, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new UserInputException($"{file}: not valid JSON configuration: {e.GetBaseException().Message}");
        }
        IConfigurationSection cluster = configuration.GetSection("Cluster");
        var settings = new ClusterSettings();
        settings = settings with
        {
            ClusterId = Text(cluster, "ClusterId") ?? settings.ClusterId,
            ServiceId = Text(cluster, "ServiceId") ?? settings.ServiceId,
            Redis = Text(cluster, "Redis"),
            Address = Text(cluster, "Address") is string a ? Ip(a, "Cluster:Address") : settings.Address,
            AdvertisedAddress = Text(cluster, "AdvertisedAddress") is string aa ? Ip(aa, "Cluster:AdvertisedAddress") : null,
            SiloPort = Text(cluster, "SiloPort") is string sp ? Port(sp, "Cluster:SiloPort") : settings.SiloPort,
            GatewayPort = Text(cluster, "GatewayPort") is string gp ? Port(gp, "Cluster:GatewayPort") : settings.GatewayPort,
            TlsCertificate = Text(cluster, "TlsCertificate"),
            Membership = cluster.GetSection("Membership").Exists() ? cluster.GetSection("Membership") : null,
        };
        if (Text(cluster, "RedisPassword") is not null || Text(cluster, "Password") is not null)
        {
            throw new UserInputException($"the Redis password is read only from the environment variable {RedisPasswordVariable}, not from configuration");
        }
        return (settings, configuration);
    }

    private static string? Text(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } value ? value.Trim() : null;

    public static IPAddress Ip(string text, string source) =>
        IPAddress.TryParse(text, out IPAddress? ip) ? ip : throw new UserInputException($"{source}: \"{text}\" is not an IP address");

    public static int Port(string text, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? Port(port, source)
            : throw new UserInputException($"{source} must be a port from 1 to 65535, got \"{text}\"");

    public static int Port(int port, string source) =>
        port is >= 1 and <= 65535 ? port : throw new UserInputException($"{source} must be a port from 1 to 65535, got {port}");

    /// <summary>Checks a Redis endpoint list ("HOST:PORT[,HOST:PORT]") before anything connects.</summary>
    public static string ValidRedis(string text, string source)
    {
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new UserInputException($"{source}: expected HOST:PORT of a Redis server, e.g. 127.0.0.1:6379, got \"{text}\"");
        }
        foreach (string part in parts)
        {
            int colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new UserInputException($"{source}: expected HOST:PORT of a Redis server, e.g. 127.0.0.1:6379, got \"{part}\"");
            }
        }
        return string.Join(',', parts);
    }
}

/// <summary>Command-line options shared by <c>lab silo</c> and <c>lab sweep</c>: they override configuration.</summary>
internal sealed class ClusterIdentityOptions
{
    public Option<string?> ClusterId { get; } = new("--cluster-id") { HelpName = "ID", Description = "Orleans ClusterId: silos and clients of one cluster share it (default backprop-lab; env LAB_Cluster__ClusterId)." };
    public Option<string?> ServiceId { get; } = new("--service-id") { HelpName = "ID", Description = "Orleans ServiceId, which names persistent state (default backprop-lab; env LAB_Cluster__ServiceId)." };
    public Option<string?> Redis { get; } = new("--redis") { HelpName = "HOST:PORT", Description = "Redis for membership and storage: a real cluster that survives losing any silo (env LAB_Cluster__Redis; password from LAB_REDIS_PASSWORD)." };
    public Option<FileInfo?> TlsCert { get; } = new("--tls-cert") { HelpName = "PFX_FILE", Description = "TLS between silos and clients with this cluster certificate (PKCS#12; password from LAB_TLS_PASSWORD; env LAB_Cluster__TlsCertificate). Peers must present the same certificate." };
    public Option<bool> Insecure { get; } = new("--insecure") { Description = "No TLS between silos and clients: anyone who reaches the ports can join. Default: mutual TLS with your cluster certificate (~/.config/backprop-lab/cluster.pfx, created on first use) or --tls-cert." };
    public Option<FileInfo?> Config { get; } = new("--config") { HelpName = "FILE", Description = "Configuration file with a Cluster section (default: ./appsettings.json if present)." };

    public void AddTo(Command command)
    {
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
        command.Options.Add(Redis);
        command.Options.Add(TlsCert);
        command.Options.Add(Insecure);
        command.Options.Add(Config);
    }

    /// <summary>Configuration file and environment, then these flags on top.</summary>
    public ClusterSettings Resolve(ParseResult parse)
    {
        ClusterSettings settings = ClusterSettings.Load(parse.GetValue(Config)?.FullName).Settings;
        settings = settings with
        {
            ClusterId = NonEmpty(parse.GetValue(ClusterId), "--cluster-id") ?? settings.ClusterId,
            ServiceId = NonEmpty(parse.GetValue(ServiceId), "--service-id") ?? settings.ServiceId,
            Redis = parse.GetValue(Redis) is string r ? r : settings.Redis,
            TlsCertificate = parse.GetValue(TlsCert)?.FullName ?? settings.TlsCertificate,
            Insecure = parse.GetValue(Insecure),
        };
        if (settings.Insecure && settings.TlsCertificate is not null)
        {
            throw new UserInputException("--insecure turns TLS off and --tls-cert names its certificate: give one of them");
        }
        return settings.Redis is null ? settings : settings with { Redis = ClusterSettings.ValidRedis(settings.Redis, "--redis") };
    }

    private static string? NonEmpty(string? value, string option) =>
        value is null ? null : value.Trim().Length > 0 ? value.Trim() : throw new UserInputException($"{option} must not be empty");
}

internal static class Endpoints
{
    /// <summary>Parses "HOST:PORT" (an IP address or localhost); a bad value is the user's error (exit 2).</summary>
    public static IPEndPoint Parse(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new UserInputException($"{option}: expected HOST:PORT, e.g. 127.0.0.1:30000, got \"{text}\"");
        }
        string host = text[..colon];
        IPAddress? address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? parsed) ? parsed : null;
        return address is null
            ? throw new UserInputException($"{option}: \"{host}\" is not an IP address (use 127.0.0.1 or the silo's address)")
            : new IPEndPoint(address, port);
    }

    /// <summary>
    /// Refuses (exit 2) a port something already listens on at <paramref name="address"/>. Orleans listens with port
    /// reuse, so a second silo would otherwise bind the same port and share its connections. Probed by connecting, not
    /// binding: a port whose old connections are in TIME_WAIT after a restart is free to listen on again.
    /// </summary>
    public static void EnsureFree(IPAddress address, int port, string option)
    {
        IPAddress target = address.Equals(IPAddress.Any) ? IPAddress.Loopback : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : address;
        using var probe = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (probe.ConnectAsync(new IPEndPoint(target, port)).Wait(TimeSpan.FromSeconds(2)))
            {
                throw new UserInputException($"{option}: port {port} on {address} is in use (another silo?); choose another");
            }
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            // Refused (or unreachable): nothing listens there.
        }
    }

    /// <summary>A TCP port free on loopback now (for the embedded silo, so two runs never collide).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
