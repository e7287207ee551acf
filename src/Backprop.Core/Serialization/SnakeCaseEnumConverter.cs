using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Core.Serialization;

/// <summary>
/// Stores an enum as its snake_case name ("ok", "diverged"), the spelling of every other name in our JSON; numbers
/// are refused, so a stored value is always readable by a person and never depends on the order of the members.
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum
{
    /// <summary>The stored (and printed) name of <paramref name="value"/>.</summary>
    public static string Name(TEnum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
