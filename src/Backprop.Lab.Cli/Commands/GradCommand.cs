using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab grad NET_FILE --data BATCH_FILE [--json]</c>: one forward and backward pass, printing the loss and
/// every gradient: dJ/dW_l and dJ/db_l per layer, and dJ/dx per example.
/// </summary>
internal static class GradCommand
{
    public static Command Create(TextWriter stdout)
    {
        var inputs = new NetworkInputs();
        var json = new Option<bool>("--json") { Description = "Write the result as JSON (schema in docs/networks.md) instead of text." };
        var deltas = new Option<bool>("--deltas") { Description = "Also print each layer's error delta_l = dJ/dz_l per example." };
        var command = new Command("grad", "Compute the loss and every gradient (dJ/dW, dJ/db per layer, dJ/dx) of a network on a batch.");
        inputs.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(deltas);
        Output.MaxOutputOption.AddTo(command);
        command.SetAction(parse =>
        {
            var (definition, network, batch) = inputs.Load(parse);
            var perExample = new PerExampleRows(network, batch, definition.Loss);
            double j = perExample.ComputeGradients();
            if (parse.GetValue(json))
            {
                WriteJson(stdout, definition, network, batch, j, perExample);
            }
            else
            {
                WriteText(stdout, definition, network, batch, j, perExample, parse.GetValue(deltas));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteText(TextWriter o, NetworkDefinition definition, Mlp network, Batch batch, double j, PerExampleRows perExample, bool deltas)
    {
        o.WriteLine($"network  {network.InputSize} inputs -> {GradientChecker.ShapeText(network)}{GradientChecker.BlocksText(network)}");
        o.WriteLine($"batch    {batch.Count} example{(batch.Count == 1 ? "" : "s")}, loss {definition.Loss}");
        o.WriteLine($"J        {Format.Number(j)}");
        if (!double.IsFinite(j))
        {
            o.WriteLine("warning  the loss is not finite: the gradients below are not meaningful");
        }
        o.WriteLine();
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            int n = l + 1;
            string norm = layer.Norm == Normalization.None ? "" : ", layernorm";
            string block = (network.BlockStartingAt(l) ?? network.BlockEndingAt(l)) is not { } b ? ""
                : (b.Count == 1 ? ", a residual block of its own" : $", {(b.First == l ? "starts" : "ends")} the residual block of layers {b.First + 1} to {b.Last + 1}")
                + (b.After is null || b.Last != l ? "" : $" ({b.After} after the sum)");
            o.WriteLine($"layer {n}  {layer.InputSize} -> {layer.OutputSize}, {layer.Activation}{norm}{block}");
            o.WriteLine($"  dJ/dW[{n}]  (row j = unit j of layer {n}, column k = unit k of layer {n - 1}: dJ/dw_jk^[{n}])");
            Format.Matrix(o, layer.WeightGradient, layer.OutputSize, layer.InputSize, "j", "k", "    ");
            o.WriteLine($"  dJ/db[{n}]  {string.Join("  ", layer.BiasGradient.Select(Format.Number))}");
            if (layer.Norm != Normalization.None)
            {
                o.WriteLine($"  dJ/dgamma[{n}]  {string.Join("  ", layer.NormGainGradient.Select(Format.Number))}");
                o.WriteLine($"  dJ/dbeta[{n}]  {string.Join("  ", layer.NormBiasGradient.Select(Format.Number))}");
            }
            if (deltas)
            {
                o.WriteLine($"  delta[{n}] = dJ/dz[{n}]  (row i = example i)");
                Format.Matrix(o, perExample.Delta(l), batch.Count, layer.OutputSize, "i", "j", "    ");
            }
            o.WriteLine();
        }
        o.WriteLine("dJ/dx  (row i = example i, column k = input x_k)");
        Format.Matrix(o, perExample.InputGradient, batch.Count, network.InputSize, "i", "k", "    ");
    }

    private static void WriteJson(TextWriter o, NetworkDefinition definition, Mlp network, Batch batch, double j, PerExampleRows perExample)
    {
        // Written out a buffer at a time: the gradients of a million-example batch are hundreds of MB as JSON text.
        var buffer = new ArrayBufferWriter<byte>(2 * ChunkBytes);
        char[] text = [];
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            void Drain()
            {
                w.Flush();
                if (text.Length < buffer.WrittenCount)
                {
                    text = new char[buffer.WrittenCount];
                }
                o.Write(text, 0, Encoding.UTF8.GetChars(buffer.WrittenSpan, text));
                buffer.ResetWrittenCount();
            }

            w.WriteStartObject();
            w.WriteString("loss", definition.Loss.Name);
            w.WriteNumber("batch", batch.Count);
            WriteNumber(w, "J", j);
            w.WriteStartArray("layers");
            for (int l = 0; l < network.Depth; l++)
            {
                DenseLayer layer = network.Layers[l];
                w.WriteStartObject();
                w.WriteNumber("layer", l + 1);
                w.WriteString("activation", layer.Activation.ToString());
                w.WriteNumber("inputs", layer.InputSize);
                w.WriteNumber("units", layer.OutputSize);
                WriteMatrix(w, "dW", layer.WeightGradient, layer.OutputSize, layer.InputSize, Drain);
                WriteMatrix(w, "db", layer.BiasGradient, 1, layer.OutputSize, Drain, asVector: true);
                if (layer.Norm != Normalization.None)
                {
                    w.WriteString("norm", "layernorm");
                    WriteMatrix(w, "dgamma", layer.NormGainGradient, 1, layer.OutputSize, Drain, asVector: true);
                    WriteMatrix(w, "dbeta", layer.NormBiasGradient, 1, layer.OutputSize, Drain, asVector: true);
                }
                WriteRows(w, "delta", perExample.Delta(l), layer.OutputSize, Drain);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (network.Blocks.Count > 0)
            {
                // The skips, 1-based like the layers: a block's output is x_b + alpha F(x_b) (pre), or after(x_b + alpha z) (post).
                w.WriteStartArray("blocks");
                foreach (ResidualBlock b in network.Blocks)
                {
                    w.WriteStartObject();
                    w.WriteNumber("first", b.First + 1);
                    w.WriteNumber("last", b.Last + 1);
                    w.WriteNumber("scale", b.Scale);
                    w.WriteString("form", b.After is null ? "pre" : "post");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            WriteRows(w, "dx", perExample.InputGradient, network.InputSize, Drain);
            w.WriteEndObject();
            Drain();
        }
        o.WriteLine();
    }

    private const int ChunkBytes = 64 * 1024;

    private static void WriteMatrix(Utf8JsonWriter w, string name, ReadOnlySpan<double> values, int rows, int cols, Action drain, bool asVector = false)
    {
        w.WriteStartArray(name);
        WriteRows(w, values, rows, cols, drain, asVector);
        w.WriteEndArray();
    }

    /// <summary>A per-example matrix, written as its chunks of rows come.</summary>
    private static void WriteRows(Utf8JsonWriter w, string name, RowChunks chunks, int cols, Action drain)
    {
        w.WriteStartArray(name);
        chunks((values, rows) => WriteRows(w, values, rows, cols, drain, asVector: false));
        w.WriteEndArray();
    }

    private static void WriteRows(Utf8JsonWriter w, ReadOnlySpan<double> values, int rows, int cols, Action drain, bool asVector)
    {
        for (int i = 0; i < rows; i++)
        {
            if (w.BytesPending >= ChunkBytes)
            {
                drain();
            }
            if (!asVector)
            {
                w.WriteStartArray();
            }
            for (int k = 0; k < cols; k++)
            {
                WriteValue(w, values[i * cols + k]);
            }
            if (!asVector)
            {
                w.WriteEndArray();
            }
        }
    }

    // JSON has no NaN or Infinity: non-finite values are written as the strings "NaN", "Infinity", "-Infinity".
    internal static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        WriteValue(w, value);
    }

    internal static void WriteValue(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
