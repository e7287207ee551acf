using System.Globalization;
using System.Text.Json;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Explain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Backprop.Lab.Web.Serving;

/// <summary>
/// The explain page's JSON (<see cref="WebJson"/>), computed by Backprop.Core's teaching code, the code <c>lab explain</c>
/// prints from. <c>POST /api/explain/formula</c> with {formula, at} gives a <see cref="FormulaView"/>;
/// <c>GET /api/explain/networks</c> the shipped networks; <c>GET /api/explain/networks/NAME?wrt=x2&amp;example=1</c> a
/// <see cref="NetworkView"/>; <c>GET /api/explain/chain?w=0.9&amp;depth=10</c> a <see cref="ChainView"/>. What cannot
/// be explained is answered 400 (413 for a body over <see cref="ExplainLimits.MaxRequestBytes"/>, 404 for a network not
/// in the list) with {error: message}.
/// </summary>
internal static class ExplainEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/explain/networks", () => Results.Json(
            ShippedNetworks.All.Select(n => new NetworkSummary(n.Name, n.Title, n.Source, n.DefaultWrt)).ToArray(), WebJson.Options));

        app.MapGet("/api/explain/networks/{name}", (string name, string? wrt, string? example) =>
        {
            if (ShippedNetworks.Find(name) is not { } shipped)
            {
                return Error(StatusCodes.Status404NotFound, $"no network named '{name}'; the page offers {string.Join(", ", ShippedNetworks.All.Select(n => n.Name))}");
            }
            int n = 1;
            if (example is not null && !int.TryParse(example, NumberStyles.None, CultureInfo.InvariantCulture, out n))
            {
                return Error(StatusCodes.Status400BadRequest, $"example must be a whole number, got '{example}'");
            }
            return Explain(() => NetworkView.Of(shipped, string.IsNullOrWhiteSpace(wrt) ? null : wrt, n));
        });

        app.MapGet("/api/explain/chain", (string? w, string? depth) =>
        {
            if (!double.TryParse(w ?? "0.9", NumberStyles.Float, CultureInfo.InvariantCulture, out double weight)
                || !int.TryParse(depth ?? "10", NumberStyles.None, CultureInfo.InvariantCulture, out int layers))
            {
                return Error(StatusCodes.Status400BadRequest, "w must be a number and depth a whole number, such as ?w=0.9&depth=10");
            }
            return Explain(() => ChainView.Of(weight, layers));
        });

        app.MapPost("/api/explain/formula", async (HttpContext context) =>
        {
            if (context.Request.ContentLength > ExplainLimits.MaxRequestBytes)
            {
                return TooLarge();
            }
            context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = ExplainLimits.MaxRequestBytes;
            FormulaRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<FormulaRequest>(context.Request.Body, WebJson.Options, context.RequestAborted);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge();
            }
            catch (JsonException)
            {
                return Error(StatusCodes.Status400BadRequest, "the request must be JSON: {\"formula\": \"z = x*y\", \"at\": {\"x\": 1, \"y\": 2}}");
            }
            if (request?.Formula is not { } formula)
            {
                return Error(StatusCodes.Status400BadRequest, "type a formula, such as z = (3*x + 4*y)^3");
            }
            return Explain(() => FormulaView.Of(formula, request.At ?? new Dictionary<string, double>()));
        });
    }

    private static IResult Explain<T>(Func<T> build)
    {
        try
        {
            return Results.Json(build(), WebJson.Options);
        }
        catch (ExplainInputException e)
        {
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }
    }

    private static IResult TooLarge() => Error(StatusCodes.Status413PayloadTooLarge,
        $"the request is over {ExplainLimits.MaxRequestBytes / 1024} KB; the explain page takes formulas of at most {ExplainLimits.MaxFormulaLength} characters");

    private static IResult Error(int status, string message) => Results.Json(new ExplainError(message), WebJson.Options, statusCode: status);

    private sealed record ExplainError(string Error);

    private sealed record NetworkSummary(string Name, string Title, string? Source, string DefaultWrt);

    /// <summary>What the page posts: the formula as typed and the point (inputs left out are taken as 1).</summary>
    internal sealed record FormulaRequest(string? Formula, Dictionary<string, double>? At);
}
