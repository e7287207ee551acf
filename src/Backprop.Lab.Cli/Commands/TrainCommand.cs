using System.CommandLine;
using System.Numerics.Tensors;
using System.Text;
using Backprop.Core.Experiments;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Serilog;

namespace Backprop.Lab.Cli.Commands;

/// <summary>
/// <c>lab train NET_FILE --data BATCH_FILE</c>: full-batch gradient descent (SGD, momentum or Adam) on one
/// batch, printing the loss and every layer's gradient norm ||dJ/dW_l||_F at each record step, so the
/// gradient flow through the layers is visible while the network learns.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout)
    {
        var inputs = new NetworkInputs();
        var steps = new Option<int>("--steps") { HelpName = "N", Description = "Number of gradient-descent steps.", DefaultValueFactory = _ => 1000 };
        var lr = new Option<double>("--lr") { HelpName = "RATE", Description = "Learning rate alpha in w := w - alpha dJ/dw.", DefaultValueFactory = _ => 0.1 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum or adam.", DefaultValueFactory = _ => "sgd" };
        optimizer.AcceptOnlyFromAmong("sgd", "momentum", "adam");
        var momentum = new Option<double>("--momentum") { HelpName = "MU", Description = "Momentum mu for --optimizer momentum.", DefaultValueFactory = _ => 0.9 };
        var record = new Option<int>("--record") { HelpName = "N", Description = "Print a row every N steps (0: ten rows in all).", DefaultValueFactory = _ => 0 };
        var save = new Option<FileInfo?>("--save") { HelpName = "FILE", Description = "Write the trained network (with explicit weights) to this file; checked before training starts." };
        var force = new Option<bool>("--force") { Description = "Let --save replace the network file being trained." };

        var command = new Command("train", "Train a network on a batch with gradient descent, showing the loss and per-layer gradient norms.");
        inputs.AddTo(command);
        command.Options.Add(steps);
        command.Options.Add(lr);
        command.Options.Add(optimizer);
        command.Options.Add(momentum);
        command.Options.Add(record);
        command.Options.Add(save);
        command.Options.Add(force);
        Output.MaxOutputOption.AddTo(command);
        command.SetAction(parse =>
        {
            int stepCount = parse.GetValue(steps);
            double alpha = parse.GetValue(lr);
            int every = parse.GetValue(record);
            double mu = parse.GetValue(momentum);
            if (stepCount < 1)
            {
                throw new UserInputException($"--steps must be at least 1, got {stepCount}");
            }
            if (!(alpha > 0) || !double.IsFinite(alpha))
            {
                throw new UserInputException($"--lr must be a positive finite number, got {alpha}");
            }
            if (every < 0)
            {
                throw new UserInputException($"--record must be 0 or more, got {every}");
            }
            if (!(mu >= 0 && mu < 1))
            {
                throw new UserInputException($"--momentum must be in [0, 1), got {mu}");
            }
            if (parse.GetValue(save) is FileInfo target)
            {
                CheckSave(target, parse.GetRequiredValue(inputs.Network), parse.GetValue(force));
            }
            if (every == 0)
            {
                every = Math.Max(1, stepCount / 10);
            }
            Optimizer opt = parse.GetValue(optimizer) switch
            {
                "momentum" => new Momentum(alpha, mu),
                "adam" => new Adam(alpha),
                _ => new Sgd(alpha),
            };
            var (definition, network, batch) = inputs.Load(parse);
            return Train(stdout, definition, network, batch, opt, stepCount, every, parse.GetValue(save));
        });
        return command;
    }

    private static int Train(TextWriter o, NetworkDefinition definition, Mlp network, Batch batch, Optimizer optimizer, int steps, int every, FileInfo? save)
    {
        int[] shown = ShownLayers(network.Depth);
        o.WriteLine($"training {network.Depth}-layer network ({network.ParameterCount} parameters) on {batch.Count} examples: " +
                    $"{optimizer.Name}, {steps} steps, loss {definition.Loss}");
        var header = new StringBuilder($"{"step",8}  {"J",14}");
        foreach (int l in shown)
        {
            header.Append($"  {$"|dJ/dW[{l + 1}]|",13}");
        }
        o.WriteLine(header.ToString());

        double j = double.NaN, j0 = double.NaN;
        for (int step = 0; step <= steps; step++)
        {
            j = network.ComputeGradientsInChunks(batch.Inputs, batch.Targets, batch.Count, definition.Loss, Mlp.ChunkRows);
            j0 = step == 0 ? j : j0;
            // The rule of a sweep's trials (Divergence): NaN or Inf, or a loss grown past 1e6 times its start.
            bool diverged = !double.IsFinite(j) || network.Layers.Any(layer => !double.IsFinite(TensorPrimitives.Norm<double>(layer.WeightGradient)))
                || Divergence.Diverged(j, j0);
            if (step % every == 0 || step == steps || diverged)
            {
                var row = new StringBuilder($"{step,8}  {Format.Number(j),14}");
                foreach (int l in shown)
                {
                    row.Append($"  {Format.Number(TensorPrimitives.Norm<double>(network.Layers[l].WeightGradient)),13}");
                }
                o.WriteLine(row.ToString());
            }
            if (diverged)
            {
                Log.Warning("Training diverged at step {Step} with loss {Loss}", step, j);
                o.WriteLine($"diverged at step {step}: the loss or a gradient is NaN or infinite, or the loss grew past {Divergence.GrowthFactor:G2} times its initial value (try a smaller --lr or weight scale)");
                return ExitCodes.Diverged;
            }
            if (step < steps)
            {
                optimizer.Step(network);
            }
        }
        o.WriteLine($"final J = {Format.Number(j)}");
        if (save is not null)
        {
            NetworkWriter.Save(save.FullName, network, definition.Loss);
            o.WriteLine($"saved trained network to {save.FullName}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Refuses (exit 2), before any training, a --save target that cannot be written (a folder, a missing folder, a folder
    /// without write permission, a pseudo-file system) or that is the network file being trained, unless --force.
    /// </summary>
    private static void CheckSave(FileInfo target, FileInfo network, bool force)
    {
        if (AtomicFile.WhyNotWritable(target.FullName) is string why)
        {
            throw new UserInputException($"--save: {why}");
        }
        if (!force && string.Equals(Resolved(target), Resolved(network), StringComparison.Ordinal))
        {
            throw new UserInputException($"--save {target.FullName} would replace the network being trained; give another file, or --force to replace it");
        }
    }

    /// <summary>The file a path ends at, through symbolic links.</summary>
    private static string Resolved(FileInfo file) =>
        file.Exists ? file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName : file.FullName;

    /// <summary>All layers for shallow networks; for deep ones the first, a few in between and the last.</summary>
    private static int[] ShownLayers(int depth)
    {
        if (depth <= 8)
        {
            return Enumerable.Range(0, depth).ToArray();
        }
        return new[] { 0, depth / 4, depth / 2, 3 * depth / 4, depth - 1 }.Distinct().ToArray();
    }
}
