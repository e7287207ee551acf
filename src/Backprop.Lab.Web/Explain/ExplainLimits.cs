namespace Backprop.Lab.Web.Explain;

/// <summary>
/// How much the explain page takes. A formula or a network past these is refused with one message before anything is
/// drawn: the browser lays the graph out with Graphviz, and a graph of hundreds of boxes is neither quick nor readable.
/// </summary>
public static class ExplainLimits
{
    /// <summary>Characters of a formula (or program) typed into the page.</summary>
    public const int MaxFormulaLength = 1000;

    /// <summary>Nodes of a formula's graph (inputs, constants and operations).</summary>
    public const int MaxNodes = 120;

    /// <summary>Paths listed one by one for each input; beyond, only their number (as <c>lab explain --max-paths</c>).</summary>
    public const int MaxPaths = 64;

    /// <summary>Weights of a network drawn on the page.</summary>
    public const int MaxNetworkWeights = 200;

    /// <summary>Bytes of a request body; a formula at its limit with its point fits many times over.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>Layers of the chain on the depth slider.</summary>
    public const int MaxChainDepth = 60;
}
