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
    /// <summary>Reads a batch file and checks its shapes against <paramref name="network"/>.</summary>
    public static Batch Load(string file, NetworkDefinition network)
    {
        using JsonDocument document = JsonField.ParseFile(file);
        var root = new JsonField(file, "$", document.RootElement);
        root.RefuseDuplicateKeys();
        return Parse(root, network);
    }

    internal static Batch Parse(JsonField root, NetworkDefinition network)
    {
        root.ExpectObject("inputs", "targets", "labels", "description");
        int outputs = network.Layers[^1].Units;
        double[] inputs = root.Required("inputs", "an array of input rows").ExpectMatrix(
            null, network.Inputs, "examples", $"the network has {network.Inputs} inputs", out int m, out _);
        JsonField? targetsField = root.Optional("targets");
        JsonField? labelsField = root.Optional("labels");
        if (targetsField is not null && labelsField is not null)
        {
            throw labelsField.Value.Error("give either targets or labels, not both");
        }
        double[] targets;
        if (targetsField is JsonField t)
        {
            targets = t.ExpectMatrix(m, outputs, "one per input row", $"the network has {outputs} outputs", out _, out _);
        }
        else if (labelsField is JsonField labels)
        {
            IReadOnlyList<JsonField> items = labels.ExpectArray(minLength: 1);
            if (items.Count != m)
            {
                throw labels.Error($"expected {m} labels (one per input row), found {items.Count}");
            }
            targets = new double[m * outputs];
            for (int i = 0; i < m; i++)
            {
                long label = items[i].ExpectInteger(0, outputs - 1, $"a class index from 0 to {outputs - 1} (the network has {outputs} outputs)");
                targets[i * outputs + label] = 1.0;
            }
        }
        else
        {
            throw root.Error("missing field \"targets\" (rows of target values) or \"labels\" (class indices)");
        }
        return new Batch(m, network.Inputs, outputs, inputs, targets);
    }
}
