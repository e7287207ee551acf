using Backprop.Lab.Grains;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// Where <c>lab silo --metrics</c> sends the silo's metrics (the lab's meter <see cref="LabMetrics.MeterName"/> and
/// Orleans' <see cref="LabMetrics.OrleansMeterName"/>) through OpenTelemetry: <c>console</c> prints them every
/// <see cref="Interval"/>; <c>otlp</c> pushes them to an OpenTelemetry collector (<c>otlp</c> alone: the SDK's default,
/// http://localhost:4317 over gRPC, or OTEL_EXPORTER_OTLP_ENDPOINT; <c>otlp=URL</c>: that endpoint).
/// </summary>
internal sealed record MetricsExport(bool Console, Uri? Otlp, TimeSpan Interval)
{
    public const string Usage = "console, otlp or otlp=URL";

    public static MetricsExport? Parse(string? text, int intervalSeconds)
    {
        if (text is null)
        {
            return null;
        }
        if (intervalSeconds < 1)
        {
            throw new UserInputException($"--metrics-interval must be at least 1 second, got {intervalSeconds}");
        }
        TimeSpan interval = TimeSpan.FromSeconds(intervalSeconds);
        if (text == "console")
        {
            return new MetricsExport(true, null, interval);
        }
        if (text == "otlp")
        {
            return new MetricsExport(false, null, interval);
        }
        if (text.StartsWith("otlp=", StringComparison.Ordinal))
        {
            return Uri.TryCreate(text["otlp=".Length..], UriKind.Absolute, out Uri? endpoint) && endpoint.Scheme is "http" or "https"
                ? new MetricsExport(false, endpoint, interval)
                : throw new UserInputException($"--metrics {text}: expected otlp=http://HOST:PORT (or https), the collector's OTLP endpoint");
        }
        throw new UserInputException($"--metrics {text}: expected {Usage}");
    }

    /// <summary>Adds the meters and the exporter to an OpenTelemetry metrics pipeline.</summary>
    public void Configure(MeterProviderBuilder metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        metrics.AddMeter(LabMetrics.MeterName, LabMetrics.OrleansMeterName);
        // Trials last from milliseconds to hours: buckets a factor of about 3 apart, not the SDK's defaults (0 to 10,000 ms-like steps).
        metrics.AddView("backprop_lab.trial.duration", new ExplicitBucketHistogramConfiguration
        {
            Boundaries = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000],
        });
        int milliseconds = (int)Interval.TotalMilliseconds;
        if (Console)
        {
            metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = milliseconds);
        }
        else
        {
            metrics.AddOtlpExporter((exporter, reader) =>
            {
                if (Otlp is not null)
                {
                    exporter.Endpoint = Otlp;
                }
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = milliseconds;
            });
        }
    }
}
