using System.Text.Json;
using Backprop.Core.Experiments;

namespace Backprop.Lab.Grains;

/// <summary>Trial configurations as they travel in grain messages: the snake_case JSON of trials.jsonl.</summary>
public static class TrialJson
{
    public static string Write(TrialConfig config) => JsonSerializer.Serialize(config, ResultFormat.JsonOptions);

    public static TrialConfig ReadConfig(string json) =>
        JsonSerializer.Deserialize<TrialConfig>(json, ResultFormat.JsonOptions) ?? throw new JsonException("empty trial configuration");
}
