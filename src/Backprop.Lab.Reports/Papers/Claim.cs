using System.Globalization;
using System.Text.Json.Serialization;

namespace Backprop.Lab.Reports.Papers;

/// <summary>How a claim came out on a sweep's results.</summary>
public enum Verdict
{
    /// <summary>The measured value lies within the claim's tolerance of the paper's.</summary>
    Pass,

    /// <summary>Measured, and outside the tolerance.</summary>
    Fail,

    /// <summary>The results hold no trial the claim needs (a sweep still running, or a different sweep): not a pass.</summary>
    NoData,
}

/// <summary>How a series of a claim's figure is drawn (named in JSON as "measured", "theory", "points").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SeriesStyle>))]
public enum SeriesStyle
{
    /// <summary>Measured values: markers joined by a line.</summary>
    [JsonStringEnumMemberName("measured")]
    Measured,

    /// <summary>A prediction or the paper's value: a dashed line without markers, in the colour of the measured series just before it.</summary>
    [JsonStringEnumMemberName("theory")]
    Theory,

    /// <summary>Markers only (cells of a map, single trials).</summary>
    [JsonStringEnumMemberName("points")]
    Points,
}

/// <summary>One curve of a claim's figure; NaN points are gaps.</summary>
public sealed record FigureSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, SeriesStyle Style);

/// <summary>
/// The figure that shows a claim: a plain x-y chart (drawn with ScottPlot for the report and with plotly in the web view
/// from this same description, so the two show the same numbers).
/// </summary>
public sealed record ClaimFigure(string Title, string XLabel, string YLabel, bool LogX, bool LogY, IReadOnlyList<FigureSeries> Series);

/// <summary>
/// One checked claim: what the paper says, the value it gives, what the results measured, the tolerance allowed and the
/// verdict. <see cref="Value"/> is the measured number itself (NaN when there is none), for tests and JSON readers.
/// </summary>
public sealed record ClaimResult(
    string Id,
    string Claim,
    string PaperValue,
    string Measured,
    string Tolerance,
    Verdict Verdict,
    double Value,
    ClaimFigure? Figure = null)
{
    /// <summary>A claim the results cannot test, with the reason in place of the measured value.</summary>
    public static ClaimResult Missing(string id, string claim, string paperValue, string tolerance, string why) =>
        new(id, claim, paperValue, why, tolerance, Verdict.NoData, double.NaN);

    /// <summary>A measured value checked against [low, high].</summary>
    public static ClaimResult Within(string id, string claim, string paperValue, double measured, string format, double low, double high,
        string tolerance, ClaimFigure? figure = null) =>
        new(id, claim, paperValue, Number(measured, format), tolerance,
            measured >= low && measured <= high ? Verdict.Pass : Verdict.Fail, measured, figure);

    /// <summary>A number as the claims table prints it (invariant culture; "n/a" when not finite).</summary>
    public static string Number(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
