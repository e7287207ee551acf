using Backprop.Core.Autodiff;
using Backprop.Core.Teaching;

namespace Backprop.Lab.Web.Explain;

/// <summary>Something typed into the explain page that cannot be explained; the message is shown on the page as it is.</summary>
public sealed class ExplainInputException(string message) : Exception(message)
{
    /// <summary>Runs the teaching code, turning the errors a formula or a name can cause into this exception, as <c>lab explain</c> does.</summary>
    public static T Guard<T>(string? formula, Func<T> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            return build();
        }
        catch (ExpressionSyntaxException e)
        {
            // The offending line again with a caret under the column, as lab explain shows it.
            string? line = formula?.Split('\n').ElementAtOrDefault(e.Line - 1)?.TrimEnd('\r');
            string caret = line is null ? "" : $"\n  {line}\n  {new string(' ', Math.Max(0, e.Column - 1))}^";
            throw new ExplainInputException($"cannot parse the formula: {e.Message}{caret}");
        }
        catch (Exception e) when (e is UnknownVariableException or DomainException or TeachingInputException)
        {
            throw new ExplainInputException(e.Message);
        }
    }
}
