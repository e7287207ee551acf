using System.Globalization;
using Backprop.Lab.Web.Explain;
using Backprop.Lab.Web.Tests.Explain;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>The explain page in a real browser, its numbers against the real <c>lab explain</c>.</summary>
[Trait("Category", "Slow")]
public sealed class ExplainPageTests(ExplainBrowser lab) : IClassFixture<ExplainBrowser>
{
    private const string Formula = "a = x*y; z = a*a + a";
    private const string At = "x=2,y=3";
    private readonly List<string> _errors = [];

    private async Task<IPage> OpenFormula(string formula, string at)
    {
        IPage page = await lab.NewPageAsync(_errors);
        string query = $"f={Uri.EscapeDataString(formula)}&at={Uri.EscapeDataString(at)}";
        await page.GotoAsync($"{lab.Server.Url}explain.html#/formula?{query}");
        await page.WaitForSelectorAsync("main[data-ready^=formula]");
        return page;
    }

    [Fact]
    public async Task Stepping_reaches_every_node_in_the_order_lab_explain_lists_highlighting_each()
    {
        IPage page = await OpenFormula(Formula, At);
        Assert.True(await page.Locator("#graph svg g.node").CountAsync() > 0);
        var lines = LabExplain.Lines(Formula, "--at", At);
        int start = lines.FindIndex(l => l.StartsWith("2. backward pass", StringComparison.Ordinal));
        var printed = lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();

        var shown = new List<string>();
        for (int i = 0; i < printed.Count; i++)
        {
            if (i > 0)
            {
                // Next by button and by keyboard, in turn.
                if (i % 2 == 0)
                {
                    await page.ClickAsync("#step-next");
                }
                else
                {
                    await page.Keyboard.PressAsync("ArrowRight");
                }
            }
            shown.Add(LabExplain.Normal(await page.InnerTextAsync("#step-line")));
            Assert.Equal($"step {i + 1} of {printed.Count}", (await page.InnerTextAsync("#step-index")).Split(':')[0]);
            Assert.Equal(2, await page.Locator("#graph g.node.hl").CountAsync()); // the node, in the forward and the backward view
            if (shown[^1].StartsWith("dz/da ", StringComparison.Ordinal))
            {
                Assert.Equal("a is used 3 times; the contributions add: 6 + 6 + 1 = 13", await page.InnerTextAsync("#step-sum"));
            }
        }
        Assert.Equal(printed, shown);
        await page.ClickAsync("#step-prev");
        Assert.Equal(printed[^2], LabExplain.Normal(await page.InnerTextAsync("#step-line")));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task Clicking_an_input_shows_its_paths_whose_terms_add_up_to_the_backprop_value_lab_explain_prints()
    {
        IPage page = await OpenFormula(Formula, At);
        var input = await page.EvaluateHandleAsync("() => [...document.querySelectorAll('#graph g.node.pick')].find(g => g.querySelector('text').textContent === 'y')");
        await ((IElementHandle)input).ClickAsync();
        await page.WaitForSelectorAsync("button[data-input=y].current");

        var terms = await page.Locator("#path-terms li").EvaluateAllAsync<double[]>("li => li.map(e => Number(e.dataset.value))");
        Assert.Equal(3, terms.Length); // z -> a (left factor) -> y, z -> a (right factor) -> y, z -> a -> y
        double backprop = double.Parse(await page.GetAttributeAsync("#backprop", "data-value") ?? "", CultureInfo.InvariantCulture);
        Assert.Equal(backprop, terms.Sum(), 12);
        Assert.Contains($"dz/dy = {FormulaView.Num(backprop)}", LabExplain.Lines(Formula, "--at", At));
        Assert.Equal(FormulaView.Num(backprop), await page.InnerTextAsync("#backprop"));
        double fd = double.Parse(await page.GetAttributeAsync("#fd", "data-value") ?? "", CultureInfo.InvariantCulture);
        Assert.Equal(backprop, fd, 1e-6 * Math.Abs(backprop));
        Assert.True(await page.Locator("#graph g.edge.hl").CountAsync() >= 4); // every edge of the three paths, in both views
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = lab.ScreenshotPath("web-explain-formula.png"), FullPage = true });
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task The_opening_page_is_the_worked_example_with_two_paths_for_dL_dx2_and_a_depth_slider()
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync(lab.Server.Url);
        await page.ClickAsync("#explain-link");
        await page.WaitForSelectorAsync("main[data-ready=network]");
        Assert.StartsWith("dL/dx2 as a sum over paths", await page.InnerTextAsync("#network-title"));
        Assert.Contains("“Intuition behind backpropagation”", await page.InnerTextAsync("#source"));
        Assert.Equal(2, await page.Locator("#path-terms li").CountAsync());
        var terms = await page.Locator("#path-terms li").EvaluateAllAsync<double[]>("li => li.map(e => Number(e.dataset.value))");
        double backprop = double.Parse(await page.GetAttributeAsync("#backprop", "data-value") ?? "", CultureInfo.InvariantCulture);
        Assert.Equal(backprop, terms.Sum(), 12);
        Assert.Contains("w11[2] w12[1]", await page.InnerTextAsync("#path-terms"));
        Assert.True(await page.Locator("#graph g.edge.hl").CountAsync() >= 6);

        await page.Locator("#chain-depth").FillAsync("20");
        await page.WaitForSelectorAsync("#chain-chart[data-ready='0.9 20']");
        Assert.Equal(Math.Pow(0.9, 20), double.Parse(await page.GetAttributeAsync("#chain-summary", "data-value") ?? "", CultureInfo.InvariantCulture), 1e-15);
        Assert.Contains("vanishing", await page.InnerTextAsync("#chain-summary"));
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // the header sticks to the top of the window, not of the page
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = lab.ScreenshotPath("web-explain.png"), FullPage = true });

        // A weight picked in the drawing: w11[2] has one path, from the loss down to the arrow.
        var label = await page.EvaluateHandleAsync("() => [...document.querySelectorAll('#graph g.edge.pick')].find(g => g.querySelector('title').textContent === 'v0_l1u0->v0_l2u0').querySelector('text')");
        await ((IElementHandle)label).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('main').dataset.ready === 'network' && document.getElementById('wrt').value === 'w11[2]'");
        Assert.Equal(1, await page.Locator("#path-terms li").CountAsync());
        Assert.Empty(_errors);
    }

    [Theory]
    [InlineData("linear-2-2-1")]
    [InlineData("xor-tanh")]
    public async Task Stepping_a_network_reaches_every_unit_output_first_and_ends_at_the_dL_dx2_backprop_value(string name)
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.GotoAsync($"{lab.Server.Url}explain.html#/network/{name}");
        await page.WaitForSelectorAsync("main[data-ready=network]");
        var shipped = ShippedNetworks.Find(name)!;
        var lines = LabExplain.Lines("--net", Path.Combine(ShippedNetworks.Folder, shipped.NetworkFile), "--data", Path.Combine(ShippedNetworks.Folder, shipped.DataFile), "--wrt", "x2");
        int start = lines.FindIndex(l => l.StartsWith("backward pass, output first", StringComparison.Ordinal));
        var printed = lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();

        var shown = new List<string>();
        var units = new List<string>();
        for (int i = 0; i < printed.Count; i++)
        {
            // Next by button and by keyboard, in turn; the page opens before the first step.
            if (i % 2 == 0)
            {
                await page.ClickAsync("#step-next");
            }
            else
            {
                await page.Keyboard.PressAsync("ArrowRight");
            }
            shown.Add(LabExplain.Normal(await page.InnerTextAsync("#step-line")));
            units.Add(await page.GetAttributeAsync("#step-line", "data-unit") ?? "");
            Assert.Equal($"step {i + 1} of {printed.Count}", (await page.InnerTextAsync("#step-index")).Split(':')[0]);
            Assert.Equal([$"v0_{units[^1]}", $"v1_{units[^1]}"], await page.Locator("#graph g.node.hl > title").EvaluateAllAsync<string[]>("ts => ts.map(t => t.textContent)"));
        }
        Assert.Equal(printed, shown);

        // Every unit, output layer first, in order within a layer, the inputs last.
        var network = ShippedNetworks.Load(shipped).Network.Build();
        var widths = new[] { network.InputSize }.Concat(network.Layers.Select(l => l.OutputSize)).ToList();
        var expected = Enumerable.Range(0, widths.Count).Reverse().SelectMany(l => Enumerable.Range(0, widths[l]).Select(j => $"l{l}u{j}"));
        Assert.Equal(expected, units.Where((u, i) => i == 0 || u != units[i - 1]));

        // The last step is dL/dx2, where every unit of the first layer meets; its value is the backprop value shown.
        Assert.Equal("l0u1", units[^1]);
        Assert.StartsWith($"{network.Layers[0].OutputSize} units above meet at x2; their terms add:", await page.InnerTextAsync("#step-sum"));
        Assert.Equal(network.Layers[0].OutputSize, await page.Locator("#graph g.edge.hl").CountAsync() / 2);
        double last = double.Parse(await page.GetAttributeAsync("#step-line", "data-value") ?? "", CultureInfo.InvariantCulture);
        double backprop = double.Parse(await page.GetAttributeAsync("#backprop", "data-value") ?? "", CultureInfo.InvariantCulture);
        Assert.Equal(backprop, last, 12);
        Assert.Equal(FormulaView.Num(backprop), await page.InnerTextAsync("#backprop"));

        await page.Keyboard.PressAsync("ArrowLeft");
        Assert.Equal(printed[^2], LabExplain.Normal(await page.InnerTextAsync("#step-line")));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task An_oversize_formula_gets_the_message()
    {
        IPage page = await OpenFormula("z = x", "x=1");
        string formula = "z = " + string.Join(" + ", Enumerable.Repeat("x", 600));
        await page.FillAsync("#formula", formula);
        await page.ClickAsync("#explain");
        await page.WaitForSelectorAsync("main[data-ready=formula-error]");
        Assert.Equal($"the formula has {formula.Length} characters; the explain page takes at most {ExplainLimits.MaxFormulaLength} (use lab explain for larger ones)", await page.InnerTextAsync("#error"));
        OnlyTheRefusal();
    }

    [Fact]
    public async Task A_formula_with_markup_is_shown_as_text()
    {
        const string markup = "</script><img src=x onerror=alert(1)>";
        IPage page = await OpenFormula(markup, "");
        Assert.StartsWith("cannot parse the formula: ", await page.InnerTextAsync("#error"));
        Assert.Contains(markup, await page.InnerTextAsync("#error"));
        Assert.Equal(markup, await page.InputValueAsync("#formula"));
        Assert.Equal(0, await page.Locator("img").CountAsync());
        OnlyTheRefusal();
    }

    /// <summary>The browser logs the server's 400 for a refused formula; nothing else may be logged.</summary>
    private void OnlyTheRefusal() =>
        Assert.Equal(["console: Failed to load resource: the server responded with a status of 400 (Bad Request)"], _errors);
}
