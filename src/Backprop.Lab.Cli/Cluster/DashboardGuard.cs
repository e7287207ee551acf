using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// Stands before the Orleans Dashboard, which has no authentication of its own and shows the silo's log. Binding to
/// loopback keeps other machines out but not a web page in the user's browser: through DNS rebinding a page of any
/// site can reach 127.0.0.1 under its own host name, so a request must name the dashboard's own address (127.0.0.1,
/// localhost or [::1] at its port), or it is refused with 421. And every user of the machine reaches loopback, so a
/// request must also carry the token the silo printed: in the URL once (answered with an HttpOnly, SameSite=Strict
/// cookie and a redirect to the same URL without it, so it leaves the address bar and the history), then in the
/// cookie. Without either: 401.
/// </summary>
internal sealed class DashboardGuard(int port, string token)
{
    public const string CookieName = "lab-dashboard-token";
    public const string TokenParameter = "token";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);
    private readonly string[] _hosts = [$"127.0.0.1:{port}", $"localhost:{port}", $"[::1]:{port}"];

    /// <summary>A new token: 32 random bytes, URL-safe base64.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!_hosts.Contains(context.Request.Host.Value ?? "", StringComparer.OrdinalIgnoreCase))
        {
            await Refuse(context, StatusCodes.Status421MisdirectedRequest, $"this dashboard answers only at http://127.0.0.1:{port}/");
            return;
        }
        if (context.Request.Query.TryGetValue(TokenParameter, out var given))
        {
            if (!Matches(given.ToString()))
            {
                await Refuse(context, StatusCodes.Status401Unauthorized, "wrong token: use the dashboard URL `lab silo` printed");
                return;
            }
            context.Response.Cookies.Append(CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                IsEssential = true,
            });
            var rest = new QueryBuilder(context.Request.Query.Where(q => q.Key != TokenParameter).SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))));
            context.Response.Redirect(context.Request.PathBase + context.Request.Path + rest.ToQueryString());
            return;
        }
        if (context.Request.Cookies.TryGetValue(CookieName, out string? cookie) && Matches(cookie))
        {
            await next(context);
            return;
        }
        await Refuse(context, StatusCodes.Status401Unauthorized, "open the dashboard with the URL `lab silo` printed (it carries the token)");
    }

    private bool Matches(string candidate) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }
}
