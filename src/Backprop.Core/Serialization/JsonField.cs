using System.Text.Json;

namespace Backprop.Core.Serialization;

/// <summary>
/// A JSON element together with the file it came from and its JSON path, so every validation error names
/// both. Reading is strict: wrong types, non-finite or out-of-range numbers and unknown object keys are
/// errors (with a "did you mean" for near misses), never silently ignored.
/// </summary>
internal readonly struct JsonField
{
    public JsonField(string file, string path, JsonElement element)
    {
        File = file;
        Path = path;
        Element = element;
    }

    public string File { get; }
    public string Path { get; }
    public JsonElement Element { get; }

    /// <summary>Reads a whole file as JSON (comments and trailing commas allowed) and returns its root.</summary>
    public static JsonDocument ParseFile(string file, long maxBytes = MaxFileBytes)
    {
        CheckFile(file, maxBytes);
        byte[] bytes = System.IO.File.ReadAllBytes(file);
        // Editors on Windows start UTF-8 files with a byte-order mark; the JSON reader does not skip it.
        ReadOnlyMemory<byte> text = bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes;
        if (text.Length == 0 || text.Span.IndexOfAnyExcept(" \n\r\t"u8) < 0)
        {
            throw new InputFileException(file, "$", "file is empty; expected a JSON object");
        }
        try
        {
            return JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw NotJson(file, e);
        }
    }

    /// <summary>The largest input file read.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Refuses a folder, a missing file, or one over <paramref name="maxBytes"/>, naming it.</summary>
    public static void CheckFile(string file, long maxBytes = MaxFileBytes)
    {
        if (Directory.Exists(file))
        {
            throw new InputFileException(file, "$", "is a folder, not a file");
        }
        FileInfo info = new(file);
        if (!info.Exists)
        {
            throw new InputFileException(file, "$", "file not found");
        }
        if (info.Length > maxBytes)
        {
            throw new InputFileException(file, "$", $"file is {info.Length} bytes; at most {maxBytes} are accepted");
        }
    }

    /// <summary>A syntax error of <paramref name="file"/> as one message: where, what, and a hint for NaN or Infinity.</summary>
    public static InputFileException NotJson(string file, JsonException e)
    {
        string where = e.LineNumber is long line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : "unknown position";
        string message = FirstSentence(e.Message);
        string hint = message.Contains("'N'", StringComparison.Ordinal) || message.Contains("'I'", StringComparison.Ordinal)
            ? " (JSON has no NaN or Infinity; every number must be finite)"
            : "";
        return new InputFileException(file, "$", $"not valid JSON at {where}: {message}{hint}", e);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public InputFileException Error(string problem) => new(File, Path, problem);

    public JsonField Child(string name, JsonElement element) => new(File, $"{Path}.{name}", element);

    public JsonField Item(int index, JsonElement element) => new(File, $"{Path}[{index}]", element);

    /// <summary>Requires an object whose keys are all in <paramref name="allowed"/> (every unknown key is reported).</summary>
    public JsonField ExpectObject(params string[] allowed)
    {
        var problems = new ProblemList();
        ExpectObject(problems, allowed);
        problems.ThrowIfAny();
        return this;
    }

    /// <summary>Requires an object (or throws); records each key not in <paramref name="allowed"/> in <paramref name="problems"/>.</summary>
    public JsonField ExpectObject(ProblemList problems, params string[] allowed)
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"expected an object, found {Describe(Element)}");
        }
        foreach (JsonProperty property in Element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                string? guess = Suggest(property.Name, allowed);
                string hint = guess is null ? "" : $"; did you mean \"{guess}\"?";
                problems.Add(new InputFileException(File, $"{Path}.{property.Name}", $"unknown field \"{property.Name}\"{hint} (known fields: {string.Join(", ", allowed)})"));
            }
        }
        return this;
    }

    /// <summary>
    /// Every key that appears more than once in an object, at any depth. JSON readers disagree on which of the values
    /// counts (System.Text.Json keeps both, most others the last), so a file that says <c>"name"</c> twice is refused
    /// rather than read one way here and another way elsewhere.
    /// </summary>
    public IEnumerable<InputFileException> DuplicateKeys()
    {
        var found = new List<InputFileException>();
        CollectDuplicates(this, found);
        return found;
    }

    /// <summary>Throws (every duplicate at once) when <see cref="DuplicateKeys"/> finds any.</summary>
    public void RefuseDuplicateKeys()
    {
        var problems = new ProblemList();
        problems.AddRange(DuplicateKeys());
        problems.ThrowIfAny();
    }

    private static void CollectDuplicates(JsonField field, List<InputFileException> found)
    {
        switch (field.Element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in field.Element.EnumerateObject())
                {
                    if (!seen.Add(property.Name) && reported.Add(property.Name))
                    {
                        found.Add(new InputFileException(field.File, $"{field.Path}.{property.Name}",
                            $"the key \"{property.Name}\" appears more than once in this object; give each key once"));
                    }
                    CollectDuplicates(field.Child(property.Name, property.Value), found);
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in field.Element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        CollectDuplicates(field.Item(i, item), found);
                    }
                    i++;
                }
                break;
        }
    }

    public JsonField? Optional(string name) =>
        Element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? Child(name, value) : null;

    public JsonField Required(string name, string what) =>
        Optional(name) ?? throw Error($"missing field \"{name}\": expected {what}");

    public IReadOnlyList<JsonField> ExpectArray(int minLength = 0)
    {
        if (Element.ValueKind != JsonValueKind.Array)
        {
            throw Error($"expected an array, found {Describe(Element)}");
        }
        var items = new List<JsonField>(Element.GetArrayLength());
        int i = 0;
        foreach (JsonElement item in Element.EnumerateArray())
        {
            items.Add(Item(i++, item));
        }
        if (items.Count < minLength)
        {
            throw Error(minLength == 1 ? "expected a non-empty array" : $"expected at least {minLength} elements, found {items.Count}");
        }
        return items;
    }

    public double ExpectFiniteNumber()
    {
        if (Element.ValueKind != JsonValueKind.Number)
        {
            throw Error($"expected a finite number, found {Describe(Element)}");
        }
        if (!Element.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            throw Error($"expected a finite number, found {Element.GetRawText()} (outside the range of a double)");
        }
        return value;
    }

    public double ExpectNumber(double min, double max, string what)
    {
        double value = ExpectFiniteNumber();
        if (value < min || value > max)
        {
            throw Error($"expected {what}, found {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        }
        return value;
    }

    public long ExpectInteger(long min, long max, string what)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt64(out long value))
        {
            throw Error($"expected {what}, found {Describe(Element)}");
        }
        if (value < min || value > max)
        {
            throw Error($"expected {what}, found {value}");
        }
        return value;
    }

    public string ExpectString()
    {
        if (Element.ValueKind != JsonValueKind.String)
        {
            throw Error($"expected a string, found {Describe(Element)}");
        }
        return Element.GetString()!;
    }

    /// <summary>An array of arrays of finite numbers with fixed row and column counts (null = any, but equal).</summary>
    public double[] ExpectMatrix(int? rows, int? columns, string rowWhat, string columnWhat, out int rowCount, out int columnCount)
    {
        IReadOnlyList<JsonField> rowFields = ExpectArray(minLength: 1);
        if (rows is int r && rowFields.Count != r)
        {
            throw Error($"expected {r} rows ({rowWhat}), found {rowFields.Count}");
        }
        rowCount = rowFields.Count;
        columnCount = columns ?? -1;
        double[]? values = null;
        for (int i = 0; i < rowFields.Count; i++)
        {
            IReadOnlyList<JsonField> cells = rowFields[i].ExpectArray(minLength: 1);
            if (columnCount < 0)
            {
                columnCount = cells.Count;
            }
            if (cells.Count != columnCount)
            {
                string expected = columns is null ? $"{columnCount} values, like row 0" : $"{columnCount} values ({columnWhat})";
                throw rowFields[i].Error($"expected {expected}, found {cells.Count}");
            }
            values ??= new double[checked(rowCount * columnCount)];
            for (int j = 0; j < cells.Count; j++)
            {
                values[i * columnCount + j] = cells[j].ExpectFiniteNumber();
            }
        }
        return values!;
    }

    public double[] ExpectVector(int length, string what)
    {
        IReadOnlyList<JsonField> cells = ExpectArray();
        if (cells.Count != length)
        {
            throw Error($"expected {length} values ({what}), found {cells.Count}");
        }
        var values = new double[length];
        for (int j = 0; j < length; j++)
        {
            values[j] = cells[j].ExpectFiniteNumber();
        }
        return values;
    }

    internal static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Truncate(element.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {Truncate(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"{element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    /// <summary>The closest of <paramref name="candidates"/> within edit distance 3, or null.</summary>
    internal static string? Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = EditDistance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= Math.Max(1, Math.Min(3, name.Length / 2)) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string FirstSentence(string message)
    {
        foreach (string marker in new[] { " Path:", " LineNumber:" })
        {
            int cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message.TrimEnd('.', ' ');
    }
}
