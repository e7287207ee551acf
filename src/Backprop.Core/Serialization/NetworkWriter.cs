using System.Text.Json;
using Backprop.Core.Networks;

namespace Backprop.Core.Serialization;

/// <summary>Writes a network with explicit weights in the network-file format that <see cref="NetworkDefinition.Load"/> reads.</summary>
public static class NetworkWriter
{
    /// <summary>Writes atomically (<see cref="AtomicFile"/>), so a crash never leaves half a file and no file but the target is touched.</summary>
    public static void Save(string path, Mlp network, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteNumber("inputs", network.InputSize);
            w.WriteString("loss", loss.Name);
            w.WriteStartArray("layers");
            foreach (DenseLayer layer in network.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("units", layer.OutputSize);
                w.WriteString("activation", layer.Activation.ToString());
                w.WriteStartArray("weights");
                for (int j = 0; j < layer.OutputSize; j++)
                {
                    w.WriteStartArray();
                    for (int k = 0; k < layer.InputSize; k++)
                    {
                        w.WriteNumberValue(layer[j, k]);
                    }
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteStartArray("biases");
                foreach (double b in layer.Biases)
                {
                    w.WriteNumberValue(b);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
