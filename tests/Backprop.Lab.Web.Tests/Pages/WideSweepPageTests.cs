using System.Globalization;
using Microsoft.Playwright;

namespace Backprop.Lab.Web.Tests.Pages;

/// <summary>The sweep view of a sweep with many weight scales: filter labels and phase-diagram cells a person can read.</summary>
[Trait("Category", "Slow")]
public sealed class WideSweepPageTests(WideSweepLab lab) : IClassFixture<WideSweepLab>
{
    private readonly List<string> _errors = [];

    [Fact]
    public async Task Filters_label_grid_values_at_six_digits_and_keep_the_exact_values()
    {
        IPage page = await OpenAsync(1400);
        double[] sw2 = lab.Trials.Select(t => t.Config.SigmaW2).Distinct().Order().ToArray();
        Assert.Equal(10, sw2.Length);
        Assert.Contains(sw2, v => v.ToString("R", CultureInfo.InvariantCulture).Length > 12); // the grid has values like 0.8888888888888888

        string[] labels = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('fieldset[data-axis=sigma_w2] label')].map(l => l.textContent.trim())");
        Assert.Equal(sw2.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)), labels);
        string[] values = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('fieldset[data-axis=sigma_w2] input')].map(i => i.value)");
        Assert.Equal(sw2, values.Select(v => double.Parse(v, CultureInfo.InvariantCulture)));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task Ten_columns_get_two_panels_a_row_and_cell_text_of_at_least_10_px()
    {
        IPage page = await OpenAsync(1400);
        double[] tops = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('#group-0 .phase')].map(d => d.getBoundingClientRect().top)");
        Assert.Equal(3, tops.Length);
        Assert.Equal(tops[0], tops[1]);
        Assert.True(tops[2] > tops[0], "the third panel starts a second row");
        foreach (int size in await page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#group-0 .phase')].map(d => d.data[0].textfont.size)"))
        {
            Assert.InRange(size, 10, 14);
        }
        Assert.True(await page.EvaluateAsync<bool>("() => [...document.querySelectorAll('#group-0 .phase')].every(d => d.data[0].texttemplate === '%{text}')"));
        Assert.Empty(_errors);
    }

    [Fact]
    public async Task On_a_narrow_page_the_cells_leave_their_text_to_the_hover()
    {
        IPage page = await OpenAsync(480);
        // One panel a row, about 440 px: 10 cells of under 30 px, too narrow for 8 px text.
        Assert.True(await page.EvaluateAsync<bool>("() => [...document.querySelectorAll('#group-0 .phase')].every(d => d.data[0].texttemplate === '' && d._fullLayout.width < 480)"));
        Assert.Empty(_errors);
    }

    private async Task<IPage> OpenAsync(int width)
    {
        IPage page = await lab.NewPageAsync(_errors);
        await page.SetViewportSizeAsync(width, 900);
        await page.GotoAsync($"{lab.Server.Url}#/sweep/{WideSweepLab.SweepName}");
        await page.WaitForSelectorAsync("main[data-ready=sweep]");
        return page;
    }
}
