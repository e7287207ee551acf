using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests.Docs;

/// <summary>
/// The sweep-file reference of docs/sweeps.md and experiments/sweep.schema.json describe the same format: every
/// property the schema names is a row of the reference's tables and every row names a property of the schema; each
/// field's range, default, values and whether it can be an axis agree with the schema.
/// </summary>
public sealed partial class SweepReferenceTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(Repository.Root(), "experiments", "sweep.schema.json"))).RootElement;

    /// <summary>The rows of every table in the reference section, keyed by the name in their first cell.</summary>
    private static readonly IReadOnlyList<(string Name, string[] Cells)> Rows = ReferenceRows();

    [Fact]
    public void Every_schema_property_is_in_the_reference_and_every_reference_row_is_in_the_schema()
    {
        var inSchema = new SortedSet<string>(StringComparer.Ordinal);
        CollectPropertyNames(Schema, inSchema);
        var inReference = new SortedSet<string>(Rows.Select(r => r.Name), StringComparer.Ordinal);
        Assert.True(inSchema.SetEquals(inReference),
            $"missing from docs/sweeps.md: {string.Join(", ", inSchema.Except(inReference))}; " +
            $"not in the schema: {string.Join(", ", inReference.Except(inSchema))}");
    }

    public static TheoryData<string> BaseFields() =>
        [.. Schema.GetProperty("properties").GetProperty("base").GetProperty("properties").EnumerateObject().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(BaseFields))]
    public void A_fields_row_states_the_schema_range_default_values_and_whether_it_can_be_an_axis(string name)
    {
        JsonElement field = Schema.GetProperty("properties").GetProperty("base").GetProperty("properties").GetProperty(name);
        string[]? cells = Rows.SingleOrDefault(r => r.Name == name && r.Cells.Length == 5).Cells;
        Assert.True(cells is not null, $"docs/sweeps.md has no row for the field `{name}` in its table of fields");
        string meaning = cells[1], range = cells[2], fallback = cells[3], axis = cells[4];

        // An array field (widths) states its length range, then its items' range: "1 to 10000 integers, each 1 to 100000".
        var bounds = new List<double>();
        foreach (string key in new[] { "minItems", "maxItems" })
        {
            if (field.TryGetProperty(key, out JsonElement length))
            {
                bounds.Add(length.GetDouble());
            }
        }
        JsonElement values = field.TryGetProperty("items", out JsonElement items) ? items : field;
        foreach (string key in new[] { "minimum", "exclusiveMinimum", "maximum" })
        {
            if (values.TryGetProperty(key, out JsonElement bound))
            {
                bounds.Add(bound.GetDouble());
            }
        }
        Assert.Equal(bounds, Numbers(range));
        if (field.TryGetProperty("exclusiveMinimum", out _))
        {
            Assert.Contains("above", range);
        }

        if (field.TryGetProperty("default", out JsonElement def) && def.ValueKind != JsonValueKind.Null)
        {
            Assert.True(def.ValueKind == JsonValueKind.Number
                ? Numbers(fallback).SequenceEqual([def.GetDouble()])
                : fallback == $"`{def.GetString()}`", $"{name}: default {def} against '{fallback}'");
        }
        else
        {
            Assert.DoesNotMatch(@"\d", fallback);
        }

        if (field.TryGetProperty("enum", out JsonElement names))
        {
            foreach (JsonElement value in names.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String))
            {
                Assert.Contains($"`{value.GetString()}`", meaning);
            }
        }

        bool isAxis = Schema.GetProperty("properties").GetProperty("grid").GetProperty("properties").TryGetProperty(name, out _);
        Assert.Equal(isAxis, Schema.GetProperty("properties").GetProperty("random").GetProperty("properties")
            .GetProperty("axes").GetProperty("properties").TryGetProperty(name, out _));
        Assert.Equal(isAxis ? "yes" : "no", axis);
    }

    private static void CollectPropertyNames(JsonElement node, ISet<string> names)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in node.EnumerateObject())
            {
                if (p.Name == "properties" && p.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty field in p.Value.EnumerateObject())
                    {
                        names.Add(field.Name);
                        CollectPropertyNames(field.Value, names);
                    }
                }
                else
                {
                    CollectPropertyNames(p.Value, names);
                }
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in node.EnumerateArray())
            {
                CollectPropertyNames(item, names);
            }
        }
    }

    private static List<(string, string[])> ReferenceRows()
    {
        string doc = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "sweeps.md"));
        int start = doc.IndexOf("\n## Sweep-file reference\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/sweeps.md has no '## Sweep-file reference' section");
        int end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? doc[start..] : doc[start..end];
        var rows = new List<(string, string[])>();
        foreach (string line in section.Split('\n'))
        {
            // A table row whose first cell is one `name`; header and separator rows have none.
            Match m = FirstCell().Match(line);
            if (m.Success)
            {
                string[] cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                rows.Add((m.Groups[1].Value, cells));
            }
        }
        return rows;
    }

    private static List<double> Numbers(string text) =>
        [.. NumberToken().Matches(text).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"^\|\s*`([^`]+)`\s*\|")]
    private static partial Regex FirstCell();

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex NumberToken();
}
