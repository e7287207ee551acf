using System.Globalization;
using System.Text.Json;
using Backprop.Core.Experiments;
using Backprop.Core.Serialization;

namespace Backprop.Core.Tests.Experiments;

public class SweepFieldsTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(Backprop.Tests.Shared.Repository.Root(), "experiments", "sweep.schema.json"))).RootElement;

    public static TheoryData<string> NumericFields() => [.. SweepFields.All.Where(f => f.Numeric).Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(NumericFields))]
    public void The_schema_states_the_range_the_validation_enforces_in_base_grid_and_random(string name)
    {
        SweepFields.Field field = SweepFields.Find(name)!;
        JsonElement properties = Schema.GetProperty("properties");
        JsonElement baseField = properties.GetProperty("base").GetProperty("properties").GetProperty(name);
        AssertRange(field, baseField, name);
        foreach (JsonElement alternative in properties.GetProperty("grid").GetProperty("properties").GetProperty(name).GetProperty("oneOf").EnumerateArray())
        {
            if (alternative.GetProperty("type").GetString() == "array")
            {
                AssertRange(field, alternative.GetProperty("items"), $"grid.{name}");
            }
            else
            {
                AssertRange(field, alternative.GetProperty("properties").GetProperty("linear").GetProperty("items"), $"grid.{name}.linear");
            }
        }
        foreach (JsonElement alternative in properties.GetProperty("random").GetProperty("properties").GetProperty("axes").GetProperty("properties").GetProperty(name).GetProperty("oneOf").EnumerateArray())
        {
            if (alternative.GetProperty("properties").TryGetProperty("uniform", out JsonElement uniform))
            {
                AssertRange(field, uniform.GetProperty("items"), $"random.{name}.uniform");
            }
        }
    }

    [Theory]
    [MemberData(nameof(NumericFields))]
    public void The_ends_of_each_range_are_accepted_and_values_beyond_them_refused_with_the_range_in_the_message(string name)
    {
        SweepFields.Field field = SweepFields.Find(name)!;
        // A network small in every other respect, so only the field under test can be out of bounds.
        var small = new Dictionary<string, string> { ["dataset"] = "\"teacher\"", ["input_dim"] = "1", ["depth"] = "1", ["width"] = "1", ["samples"] = "1", ["batch_size"] = "1", ["steps"] = "0" };
        string Sweep(double v)
        {
            var fields = new Dictionary<string, string>(small) { [name] = N(v) };
            return $$"""{ "name": "s", "base": { {{string.Join(", ", fields.Select(f => $"\"{f.Key}\": {f.Value}"))}} } }""";
        }
        double tooLow = field.Integer ? field.Min - 1 : field.ExclusiveMin ? field.Min : field.Min - 1e-3;
        double tooHigh = field.Integer ? field.Max + 1 : field.Max * 1.001;
        SweepFile.Parse("s.json", Sweep(field.ExclusiveMin ? field.Max / 2 : field.Min));
        SweepFile.Parse("s.json", Sweep(field.Max));
        foreach (double bad in new[] { tooLow, tooHigh })
        {
            var e = Assert.Throws<InputFileException>(() => SweepFile.Parse("s.json", Sweep(bad)));
            Assert.Equal($"$.base.{name}", e.JsonPath);
            Assert.Contains(N(field.Max), e.Problem);
            Assert.Contains(field.ExclusiveMin ? $"greater than {N(field.Min)}" : $"from {N(field.Min)}", e.Problem);
        }
    }

    private static void AssertRange(SweepFields.Field field, JsonElement schema, string where)
    {
        Assert.True(schema.GetProperty("type").GetString() == (field.Integer ? "integer" : "number"), $"{where}: type");
        Assert.True(schema.GetProperty("maximum").GetDouble() == field.Max, $"{where}: maximum");
        string lower = field.ExclusiveMin ? "exclusiveMinimum" : "minimum";
        Assert.True(schema.TryGetProperty(lower, out JsonElement min) && min.GetDouble() == field.Min, $"{where}: {lower}");
    }

    private static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
