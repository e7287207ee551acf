using System.Collections.Frozen;
using Backprop.Core.Serialization;

namespace Backprop.Lab.Web.Explain;

/// <summary>One network file of experiments/networks offered on the explain page, with the batch whose loss it differentiates.</summary>
public sealed record ShippedNetwork(string Name, string Title, string NetworkFile, string DataFile, string DefaultWrt, string? Source);

/// <summary>
/// The networks the explain page can open: a fixed list, named by the page and looked up here, so a request never names
/// a path. The files are copied from experiments/networks next to the assembly at build time (networks/).
/// </summary>
public static class ShippedNetworks
{
    /// <summary>The worked example of the 2-layer linear network, the page's opening view.</summary>
    public const string WorkedExample = "linear-2-2-1";

    /// <summary>Where the worked example comes from, cited by title on the page.</summary>
    public const string WorkedExampleSource = "Intuition behind backpropagation";

    private static readonly FrozenDictionary<string, ShippedNetwork> ByName = new ShippedNetwork[]
    {
        new(WorkedExample, "2-2-1 linear network (the worked example)", "linear-2-2-1.json", "linear-2-2-1-batch.json", "x2", WorkedExampleSource),
        new("xor-tanh", "2-8-8-1 tanh network on XOR (Xavier normal, seed 1)", "xor-tanh.json", "xor.json", "x2", null),
    }.ToFrozenDictionary(n => n.Name, StringComparer.Ordinal);

    public static IEnumerable<ShippedNetwork> All => ByName.Values.OrderBy(n => n.Name == WorkedExample ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal);

    public static ShippedNetwork? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The folder the files are copied to, beside this assembly.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "networks");

    public static (NetworkDefinition Network, Batch Data) Load(ShippedNetwork shipped)
    {
        var network = NetworkDefinition.Load(Path.Combine(Folder, shipped.NetworkFile));
        return (network, Batch.Load(Path.Combine(Folder, shipped.DataFile), network));
    }
}
