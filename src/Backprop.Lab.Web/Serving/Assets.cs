using System.Collections.Frozen;
using System.Reflection;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// The pages and vendored libraries, embedded in this assembly under "wwwroot/". A request names an asset by its exact
/// path; anything else is not found, so no request reaches the file system through here.
/// </summary>
public static class Assets
{
    private const string Prefix = "wwwroot/";

    private static readonly Lazy<FrozenDictionary<string, string>> Names = new(() => typeof(Assets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .ToFrozenDictionary(n => n[Prefix.Length..].Replace('\\', '/'), n => n, StringComparer.Ordinal));

    public const string Plotly = "vendor/plotly.js-cartesian-dist-min-4.1.1/plotly-cartesian.min.js";
    public const string App = "app.js";
    public const string Css = "app.css";
    public const string Index = "index.html";

    /// <summary>The classic scripts index.html loads before <see cref="App"/> (the histogram charts, the compare page, the architectures section).</summary>
    public static readonly IReadOnlyList<string> PageScripts = ["hist.js", "compare.js", "arch.js", "claims.js"];

    public static bool Exists(string path) => Names.Value.ContainsKey(path);

    public static IEnumerable<string> All => Names.Value.Keys;

    public static Stream Open(string path) =>
        typeof(Assets).Assembly.GetManifestResourceStream(Names.Value[path]) ?? throw new InvalidOperationException($"asset {path} is missing");

    public static string Text(string path)
    {
        using var reader = new StreamReader(Open(path));
        return reader.ReadToEnd();
    }

    public static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".md" or "" => "text/plain; charset=utf-8",
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
