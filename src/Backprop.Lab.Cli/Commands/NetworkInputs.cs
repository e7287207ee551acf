using System.CommandLine;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Serilog;

namespace Backprop.Lab.Cli.Commands;

/// <summary>The NET_FILE argument and --data option shared by the commands that run a network on a batch.</summary>
internal sealed class NetworkInputs
{
    public Argument<FileInfo> Network { get; } = new("NET_FILE")
    {
        Description = "Network file (architecture, loss, init, optional explicit weights); format in docs/networks.md.",
    };

    public Option<FileInfo> Data { get; } = new("--data", "-d")
    {
        HelpName = "BATCH_FILE",
        Description = "Batch file with \"inputs\" and \"targets\" (or \"labels\" for classification).",
        Required = true,
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Network);
        command.Options.Add(Data);
    }

    public (NetworkDefinition Definition, Mlp Network, Batch Batch) Load(ParseResult parse)
    {
        string networkPath = parse.GetRequiredValue(Network).FullName;
        string batchPath = parse.GetRequiredValue(Data).FullName;
        NetworkDefinition definition = NetworkDefinition.Load(Relative(networkPath));
        Batch batch = Batch.Load(Relative(batchPath), definition);
        Mlp network = definition.Build();
        Log.Debug("Loaded network {NetworkFile} ({Depth} layers, {Parameters} parameters) and batch {BatchFile} ({Examples} examples)",
            networkPath, network.Depth, network.ParameterCount, batchPath, batch.Count);
        return (definition, network, batch);
    }

    /// <summary>Paths in messages as the user is likely to recognise them (relative to the working directory when inside it).</summary>
    private static string Relative(string fullPath)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? fullPath : relative;
    }
}
