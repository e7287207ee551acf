using Backprop.Core.Serialization;
using ScottPlot;
using SkiaSharp;

namespace Backprop.Lab.Reports.Figures;

/// <summary>
/// One report figure: one or more ScottPlot panels laid out in a row (or a grid of <see cref="Columns"/>), saved as
/// PNG and SVG at the same size. ScottPlot's own multi-plot layout saves PNG only, so panels are drawn here onto one
/// Skia canvas, raster or SVG, which keeps the two files identical in layout.
/// </summary>
public sealed class Figure
{
    public Figure(string name, string title, string caption, IReadOnlyList<Plot> panels, int width, int height, int? columns = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(panels.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        Name = name;
        Title = title;
        Caption = caption;
        Panels = panels;
        Width = width;
        Height = height;
        Columns = Math.Clamp(columns ?? panels.Count, 1, panels.Count);
    }

    /// <summary>File stem, e.g. "phase-tanh" (figures/phase-tanh.png and .svg).</summary>
    public string Name { get; }

    public string Title { get; }

    /// <summary>What the reader should see, one or two sentences for the report.</summary>
    public string Caption { get; }

    public IReadOnlyList<Plot> Panels { get; }
    public int Width { get; }
    public int Height { get; }
    public int Columns { get; }

    public byte[] ToPng()
    {
        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The panels' own SVG documents nested at their offsets in one document.</summary>
    public string ToSvg()
    {
        var (w, h, rows) = PanelSize();
        var svg = new System.Text.StringBuilder();
        svg.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">\n");
        svg.Append(System.Globalization.CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        for (int i = 0; i < Panels.Count; i++)
        {
            string inner = Panels[i].GetSvgXml(w, h);
            // Nested <svg> elements take x and y; the panel's own root becomes one by adding them.
            int at = inner.IndexOf("<svg", StringComparison.Ordinal);
            inner = at < 0 ? inner : inner[at..];
            svg.Append(System.Globalization.CultureInfo.InvariantCulture, $"<svg x=\"{i % Columns * w}\" y=\"{i / Columns * h}\" width=\"{w}\" height=\"{h}\">");
            svg.Append(inner).Append("</svg>\n");
        }
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>
    /// Writes NAME.png (and NAME.svg when asked) into <paramref name="directory"/>, each replaced at once
    /// (<see cref="AtomicFile"/>: a render stopped midway leaves the last figure whole); returns the file names.
    /// </summary>
    public IReadOnlyList<string> Save(string directory, bool svg = true)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string> { Name + ".png" };
        byte[] png = ToPng();
        AtomicFile.Write(Path.Combine(directory, Name + ".png"), stream => stream.Write(png));
        if (svg)
        {
            AtomicFile.WriteText(Path.Combine(directory, Name + ".svg"), ToSvg());
            files.Add(Name + ".svg");
        }
        return files;
    }

    /// <summary>
    /// Each panel is rendered on its own surface and copied in: ScottPlot clears the whole canvas it renders on, so
    /// panels drawn onto one canvas would erase each other.
    /// </summary>
    private void Draw(SKCanvas canvas)
    {
        canvas.Clear(SKColors.White);
        var (w, h, _) = PanelSize();
        for (int i = 0; i < Panels.Count; i++)
        {
            using SKSurface panel = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
            Panels[i].Render(panel.Canvas, w, h);
            using SKImage image = panel.Snapshot();
            canvas.DrawImage(image, i % Columns * w, i / Columns * h);
        }
    }

    private (int Width, int Height, int Rows) PanelSize()
    {
        int rows = (Panels.Count + Columns - 1) / Columns;
        return (Width / Columns, Height / rows, rows);
    }
}
