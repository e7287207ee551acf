using System.Globalization;

namespace Backprop.Core.Autodiff;

/// <summary>
/// The one way numbers are written in op names, messages and printed expressions: invariant culture and
/// shortest round-trip form, so "0.5" never becomes "0,5" and printed constants re-parse to the same double.
/// </summary>
internal static class NumberText
{
    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
