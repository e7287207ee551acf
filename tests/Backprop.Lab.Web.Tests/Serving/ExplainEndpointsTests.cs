using System.Net;
using System.Text;
using System.Text.Json;
using Backprop.Lab.Web.Data;
using Backprop.Lab.Web.Explain;
using Backprop.Lab.Web.Serving;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Web.Tests.Serving;

/// <summary>The explain endpoints of a real server over an empty results folder (the page needs no results).</summary>
public sealed class ExplainEndpointsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _client = new();
    private LabServer? _server;

    private string Url => _server!.Url;

    public async Task InitializeAsync()
    {
        string results = Path.Combine(_dir.Path, "results");
        Directory.CreateDirectory(results);
        _server = await LabServer.StartAsync([results], 0);
    }

    [Fact]
    public async Task The_page_and_its_script_are_served_with_no_results_folder()
    {
        Assert.Contains("explain.js", await _client.GetStringAsync(Url + "explain.html"));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(Url + "explain.js")).StatusCode);
    }

    [Fact]
    public async Task A_formula_posted_gives_the_numbers_of_the_teaching_code()
    {
        using var response = await Post("{\"formula\": \"z = (3*x + 4*y)^3\", \"at\": {\"x\": 1, \"y\": 2}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var expected = FormulaView.Of("z = (3*x + 4*y)^3", new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 });
        Assert.Equal(JsonSerializer.Serialize(expected, WebJson.Options), json.RootElement.GetRawText());
        Assert.Equal(1089, json.RootElement.GetProperty("path_sums")[0].GetProperty("backprop").GetDouble()); // 3 (3x + 4y)^2 x 3 at (1, 2)
    }

    [Fact]
    public async Task A_formula_over_the_limit_is_answered_400_with_the_message()
    {
        string formula = "z = " + string.Join(" + ", Enumerable.Repeat("x", 600));
        using var response = await Post(JsonSerializer.Serialize(new { formula }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"the formula has {formula.Length} characters; the explain page takes at most 1000 (use lab explain for larger ones)", await Error(response));
    }

    [Fact]
    public async Task A_body_over_the_byte_limit_is_answered_413_with_the_message()
    {
        using var response = await Post(JsonSerializer.Serialize(new { formula = new string('x', 40_000) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.StartsWith("the request is over 16 KB", await Error(response));
    }

    [Theory]
    [InlineData("api/explain/networks/xor")]
    [InlineData("api/explain/networks/..%2Flinear-2-2-1")]
    [InlineData("api/explain/networks/%2Fetc%2Fpasswd")]
    [InlineData("api/explain/networks/linear-2-2-1.json")]
    public async Task Only_networks_of_the_list_are_opened(string path)
    {
        using var response = await _client.GetAsync(Url + path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.EndsWith("the page offers linear-2-2-1, xor-tanh", await Error(response));
    }

    [Fact]
    public async Task The_worked_example_network_is_dL_dx2_over_two_paths()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync(Url + "api/explain/networks/linear-2-2-1"));
        Assert.Equal("x2", json.RootElement.GetProperty("wrt").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("paths").GetArrayLength());
        using var list = JsonDocument.Parse(await _client.GetStringAsync(Url + "api/explain/networks"));
        Assert.Equal(["linear-2-2-1", "xor-tanh"], list.RootElement.EnumerateArray().Select(n => n.GetProperty("name").GetString()!).ToArray());
    }

    [Fact]
    public async Task The_chain_refuses_a_depth_past_its_limit()
    {
        using var response = await _client.GetAsync(Url + "api/explain/chain?w=0.9&depth=61");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("depth must be between 1 and 60, got 61", await Error(response));
    }

    private Task<HttpResponseMessage> Post(string body) =>
        _client.PostAsync(Url + "api/explain/formula", new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<string?> Error(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _dir.Dispose();
    }
}
