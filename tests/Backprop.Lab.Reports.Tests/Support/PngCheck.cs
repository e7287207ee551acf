using System.Buffers.Binary;
using SkiaSharp;

namespace Backprop.Lab.Reports.Tests.Support;

/// <summary>Checks that bytes are a PNG of a given size whose pixels are not all one colour (something was drawn).</summary>
internal static class PngCheck
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk, which must follow the signature.</summary>
    public static (int Width, int Height) Header(byte[] png)
    {
        Assert.True(png.Length > 33, "too short for a PNG");
        Assert.Equal(Signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    /// <summary>Decodes the image and counts distinct colours on a grid of samples.</summary>
    public static int DistinctColours(byte[] png)
    {
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 3)
        {
            for (int x = 0; x < bitmap.Width; x += 3)
            {
                colours.Add((uint)bitmap.GetPixel(x, y));
            }
        }
        return colours.Count;
    }

    /// <summary>A valid PNG of exactly this size with at least <paramref name="minColours"/> colours.</summary>
    public static void Valid(byte[] png, int width, int height, int minColours = 20)
    {
        Assert.Equal((width, height), Header(png));
        int colours = DistinctColours(png);
        Assert.True(colours >= minColours, $"only {colours} distinct colours: the figure looks empty");
    }
}
