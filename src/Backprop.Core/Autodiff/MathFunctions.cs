namespace Backprop.Core.Autodiff;

/// <summary>
/// The functions an expression may call, mapped to their op in <see cref="Ops"/>; the parser, the builder
/// and the evaluator all dispatch through here so the list cannot drift.
/// </summary>
internal static class MathFunctions
{
    public static IReadOnlyList<string> Names { get; } = ["exp", "log", "relu", "sigmoid", "tanh"];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    public static Value Apply(string name, Value x) => name switch
    {
        "exp" => Ops.Exp(x),
        "log" => Ops.Log(x),
        "relu" => Ops.Relu(x),
        "sigmoid" => Ops.Sigmoid(x),
        "tanh" => Ops.Tanh(x),
        _ => throw Unknown(name),
    };

    public static double Apply(string name, double x) => name switch
    {
        "exp" => Ops.ExpStep(x).Y,
        "log" => Ops.LogStep(x).Y,
        "relu" => Ops.ReluStep(x).Y,
        "sigmoid" => Ops.SigmoidStep(x).Y,
        "tanh" => Ops.TanhStep(x).Y,
        _ => throw Unknown(name),
    };

    public static string KnownList => string.Join(", ", Names);

    private static ArgumentException Unknown(string name) =>
        new($"unknown function '{name}'; known functions are {KnownList}", nameof(name));
}
