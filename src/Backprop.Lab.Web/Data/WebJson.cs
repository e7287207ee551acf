using System.Text.Json;
using System.Text.Json.Serialization;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Web.Data;

/// <summary>
/// The one set of JSON options for everything the server and the export send to a page: trials.jsonl's snake_case
/// names, and a non-finite number (a NaN loss, an infinite ratio) as null, which JavaScript reads as "no value".
/// </summary>
public static class WebJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(ResultFormat.JsonOptions)
        {
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new FiniteOrNull());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class FiniteOrNull : JsonConverter<double>
    {
        public override bool HandleNull => false;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
