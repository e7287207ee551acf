using Backprop.Core.Networks;
using Backprop.Core.Serialization;

namespace Backprop.Core.Theory;

/// <summary>
/// Activation names typed on a command line: the parse of <see cref="Activation.TryParse"/> with the same "did you mean"
/// message the network-file reader gives, so `lab theory --activation tahn` and a network file say the same thing.
/// </summary>
public static class ActivationName
{
    /// <summary>The activation, or false and a message naming the closest known name and all of them.</summary>
    public static bool TryParse(string text, out Activation activation, out string error)
    {
        if (Activation.TryParse(text, out activation))
        {
            error = "";
            return true;
        }
        error = NetworkDefinition.Unknown("activation", text, Activation.Names);
        return false;
    }
}
