using Microsoft.AspNetCore.Http;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// Answers only requests addressed to this server by a loopback name: Host must be 127.0.0.1:PORT, localhost:PORT or
/// [::1]:PORT. A web page elsewhere can make a browser send requests to 127.0.0.1 under a name it controls (DNS
/// rebinding); with any other Host the request is refused with 400 before it reaches a handler.
/// </summary>
internal static class HostCheck
{
    public static bool Allowed(HostString host, int port)
    {
        if (!host.HasValue || host.Port != port)
        {
            return false;
        }
        return host.Host is "127.0.0.1" or "[::1]" || string.Equals(host.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }
}
