using System.Text.Json;
using Backprop.Core.Networks;

namespace Backprop.Core.Serialization;

/// <summary>
/// A batch of m examples for a network: inputs (m x network inputs) and targets (m x network outputs), both
/// row-major. A batch file gives "targets" as rows of numbers, or, for classification, "labels" as class
/// indices that become one-hot rows.
/// </summary>
public sealed record Batch(int Count, int InputSize, int TargetSize, double[] Inputs, double[] Targets)
{
    /// <summary>
    /// Reads a batch file and checks its shapes against <paramref name="network"/>. The file is read twice as a stream
    /// of tokens: once to check it and count the examples, once to put each number straight into its place in
    /// <see cref="Inputs"/> or <see cref="Targets"/>. What is held is those two arrays and a buffer, about half the
    /// file's size for numbers written with a few digits; a parsed document and lists of rows would take several times it.
    /// </summary>
    public static Batch Load(string file, NetworkDefinition network)
    {
        ArgumentNullException.ThrowIfNull(network);
        JsonField.CheckFile(file);
        int outputs = network.Layers[^1].Units;
        try
        {
            int m = new BatchReader(file, network.Inputs, outputs, null, null).Read();
            var inputs = new double[checked(m * network.Inputs)];
            var targets = new double[checked(m * outputs)];
            new BatchReader(file, network.Inputs, outputs, inputs, targets).Read();
            return new Batch(m, network.Inputs, outputs, inputs, targets);
        }
        catch (JsonException e)
        {
            throw JsonField.NotJson(file, e);
        }
    }
}

/// <summary>One pass over a batch file: checks every field, and fills the arrays when it is given them.</summary>
internal sealed class BatchReader(string file, int inputSize, int outputs, double[]? inputs, double[]? targets)
{
    private static readonly string[] Fields = ["inputs", "targets", "labels", "description"];

    /// <summary>The number of examples; throws <see cref="InputFileException"/> naming the first problem found.</summary>
    public int Read()
    {
        using JsonStream json = JsonStream.Open(file);
        if (!json.Read())
        {
            throw Error("$", "file is empty; expected a JSON object");
        }
        if (json.Token != JsonTokenType.StartObject)
        {
            throw Error("$", $"expected an object, found {json.Describe()}");
        }
        var problems = new ProblemList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int? inputRows = null, targetRows = null, labelCount = null;
        while (json.Read() && json.Token == JsonTokenType.PropertyName)
        {
            string name = json.Name;
            string path = $"$.{name}";
            json.Read();
            if (!seen.Add(name))
            {
                problems.Add(Error(path, $"the key \"{name}\" appears more than once in this object; give each key once"));
                json.Skip(_ => { });
                continue;
            }
            if (json.Token == JsonTokenType.Null && name is "inputs" or "targets" or "labels")
            {
                continue;
            }
            switch (name)
            {
                case "inputs":
                    inputRows = Matrix(json, path, inputSize, $"the network has {inputSize} inputs", inputs);
                    break;
                case "targets":
                    targetRows = Matrix(json, path, outputs, $"the network has {outputs} outputs", labelCount is null ? targets : null);
                    break;
                case "labels":
                    labelCount = Labels(json, path, targetRows is null ? targets : null);
                    break;
                case "description":
                    json.Skip(key => problems.Add(Error($"{path}.{key}", $"the key \"{key}\" appears more than once in this object; give each key once")));
                    break;
                default:
                    string? guess = JsonField.Suggest(name, Fields);
                    string hint = guess is null ? "" : $"; did you mean \"{guess}\"?";
                    problems.Add(Error(path, $"unknown field \"{name}\"{hint} (known fields: {string.Join(", ", Fields)})"));
                    json.Skip(_ => { });
                    break;
            }
        }
        // Past the root object only whitespace and comments may follow; the reader throws on anything else.
        json.Read();
        problems.ThrowIfAny();

        int m = inputRows ?? throw Error("$", "missing field \"inputs\": expected an array of input rows");
        if (targetRows is not null && labelCount is not null)
        {
            throw Error("$.labels", "give either targets or labels, not both");
        }
        if (targetRows is int t && t != m)
        {
            throw Error("$.targets", $"expected {m} rows (one per input row), found {t}");
        }
        if (labelCount is int l && l != m)
        {
            throw Error("$.labels", $"expected {m} labels (one per input row), found {l}");
        }
        if (targetRows is null && labelCount is null)
        {
            throw Error("$", "missing field \"targets\" (rows of target values) or \"labels\" (class indices)");
        }
        return m;
    }

    /// <summary>Rows of <paramref name="columns"/> finite numbers; the row count. Each number goes to <paramref name="destination"/> when given.</summary>
    private int Matrix(JsonStream json, string path, int columns, string columnWhat, double[]? destination)
    {
        ExpectArray(json, path);
        int row = 0;
        // Paths are written only for a message: a string per number would cost more than the number.
        while (json.Read() && json.Token != JsonTokenType.EndArray)
        {
            ExpectArray(json, path, row);
            int column = 0;
            while (json.Read() && json.Token != JsonTokenType.EndArray)
            {
                double value = Finite(json, path, row, column);
                // A row longer than the network takes is reported when it ends; its extra numbers have no place.
                if (destination is not null && column < columns && (long)row * columns + column < destination.Length)
                {
                    destination[row * columns + column] = value;
                }
                column++;
            }
            if (column == 0)
            {
                throw Error($"{path}[{row}]", "expected a non-empty array");
            }
            if (column != columns)
            {
                throw Error($"{path}[{row}]", $"expected {columns} values ({columnWhat}), found {column}");
            }
            row++;
        }
        return row > 0 ? row : throw Error(path, "expected a non-empty array");
    }

    /// <summary>Class indices, each a one-hot row of <paramref name="destination"/> when given; the count.</summary>
    private int Labels(JsonStream json, string path, double[]? destination)
    {
        ExpectArray(json, path);
        string what = $"a class index from 0 to {outputs - 1} (the network has {outputs} outputs)";
        int i = 0;
        while (json.Read() && json.Token != JsonTokenType.EndArray)
        {
            if (json.Token != JsonTokenType.Number || json.Integer is not long label)
            {
                throw Error($"{path}[{i}]", $"expected {what}, found {json.Describe()}");
            }
            if (label < 0 || label >= outputs)
            {
                throw Error($"{path}[{i}]", $"expected {what}, found {label}");
            }
            if (destination is not null && ((long)i + 1) * outputs <= destination.Length)
            {
                destination[i * outputs + label] = 1.0;
            }
            i++;
        }
        return i > 0 ? i : throw Error(path, "expected a non-empty array");
    }

    private double Finite(JsonStream json, string path, int row, int column)
    {
        if (json.Token != JsonTokenType.Number)
        {
            throw Error($"{path}[{row}][{column}]", $"expected a finite number, found {json.Describe()}");
        }
        return double.IsNaN(json.Number)
            ? throw Error($"{path}[{row}][{column}]", $"expected a finite number, found {json.Describe()} (outside the range of a double)")
            : json.Number;
    }

    private void ExpectArray(JsonStream json, string path, int? item = null)
    {
        if (json.Token != JsonTokenType.StartArray)
        {
            throw Error(item is int i ? $"{path}[{i}]" : path, $"expected an array, found {json.Describe()}");
        }
    }

    private InputFileException Error(string path, string problem) => new(file, path, problem);
}
