using System.CommandLine;
using System.Net;
using System.Net.Sockets;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>Command-line options shared by <c>lab silo</c> and <c>lab sweep --cluster</c>.</summary>
internal sealed class ClusterIdentityOptions
{
    public Option<string> ClusterId { get; } = new("--cluster-id") { Description = "Orleans ClusterId: silos and clients of one cluster share it.", DefaultValueFactory = _ => "backprop-lab" };
    public Option<string> ServiceId { get; } = new("--service-id") { Description = "Orleans ServiceId (names persistent state).", DefaultValueFactory = _ => "backprop-lab" };

    public void AddTo(Command command)
    {
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
    }
}

internal static class Endpoints
{
    /// <summary>Parses "HOST:PORT" (an IP address or localhost); a bad value is the user's error (exit 2).</summary>
    public static IPEndPoint Parse(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
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

    /// <summary>A TCP port free on loopback now (for the embedded silo, so two runs never collide).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
