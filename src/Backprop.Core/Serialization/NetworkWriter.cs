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
            WriteArchitecture(w, network);
            w.WriteStartArray("layers");
            for (int l = 0; l < network.Depth; l++)
            {
                DenseLayer layer = network.Layers[l];
                w.WriteStartObject();
                w.WriteNumber("units", layer.OutputSize);
                // In the post form the block's activation is written on its last layer, as the file format puts it.
                w.WriteString("activation", (network.BlockEndingAt(l)?.After ?? layer.Activation).ToString());
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
                if (layer.Norm != Normalization.None)
                {
                    WriteVector(w, "norm_gain", layer.NormGain);
                    WriteVector(w, "norm_bias", layer.NormBias);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteVector(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(v);
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// The architecture fields of a network built from a network file: a stem, blocks of one depth, scale and form after
    /// it up to the output layer, and one norm on every hidden layer. Any other arrangement has no network-file form.
    /// </summary>
    private static void WriteArchitecture(Utf8JsonWriter w, Mlp network)
    {
        IReadOnlyList<ResidualBlock> blocks = network.Blocks;
        Normalization norm = network.Depth > 1 ? network.Layers[0].Norm : Normalization.None;
        bool fileShaped = network.Layers.Select((layer, l) => layer.Norm == (l < network.Depth - 1 ? norm : Normalization.None)).All(same => same);
        if (blocks.Count > 0)
        {
            int k = blocks[0].Count;
            fileShaped &= blocks.Select((b, i) => b.First == 1 + i * k && b.Count == k && b.Scale == blocks[0].Scale && (b.After is null) == (blocks[0].After is null)).All(same => same)
                && blocks[^1].Last == network.Depth - 2;
            if (!fileShaped)
            {
                throw new ArgumentException("this network's blocks or norms are not the stem-then-blocks shape a network file describes", nameof(network));
            }
            w.WriteString("architecture", "residual");
            w.WriteNumber("block_depth", k);
            w.WriteNumber("residual_scale", blocks[0].Scale);
            w.WriteString("block_form", blocks[0].After is null ? "pre" : "post");
        }
        else if (!fileShaped)
        {
            throw new ArgumentException("this network's norms are not on exactly its hidden layers, as a network file describes them", nameof(network));
        }
        if (norm != Normalization.None)
        {
            w.WriteString("norm", "layernorm");
        }
    }
}
