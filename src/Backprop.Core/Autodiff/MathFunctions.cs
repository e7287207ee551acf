namespace Backprop.Core.Autodiff;

/// <summary>
/// A function a formula may call: its name and number of arguments, its op on graphs and its twin on doubles
/// (the same step, so both give the same bits), and for a kinked function what its derivative is taken to be
/// at the kink.
/// </summary>
internal sealed record MathFunction(string Name, int Arity, Func<Value[], Value> Build, Func<double[], double> Evaluate, string? Kink = null)
{
    /// <summary>How a call is written, for messages: max(a, b), sin(x).</summary>
    public string Signature => Arity == 1 ? $"{Name}(x)" : $"{Name}(a, b)";
}

/// <summary>
/// The functions and named constants an expression may use, mapped to their ops in <see cref="Ops"/>; the
/// lexer's names, the parser, the graph builder and the evaluator all go through this one table, so the list
/// cannot drift.
/// </summary>
internal static class MathFunctions
{
    public static IReadOnlyList<MathFunction> All { get; } =
    [
        new("abs", 1, a => Ops.Abs(a[0]), x => Ops.AbsStep(x[0]).Y, "abs'(0) is taken as 0"),
        new("cos", 1, a => Ops.Cos(a[0]), x => Ops.CosStep(x[0]).Y),
        new("exp", 1, a => Ops.Exp(a[0]), x => Ops.ExpStep(x[0]).Y),
        new("log", 1, a => Ops.Log(a[0]), x => Ops.LogStep(x[0]).Y),
        new("max", 2, a => Ops.Max(a[0], a[1]), x => Ops.MaxStep(x[0], x[1]).Y, "at a tie each argument gets 1/2"),
        new("min", 2, a => Ops.Min(a[0], a[1]), x => Ops.MinStep(x[0], x[1]).Y, "at a tie each argument gets 1/2"),
        new("relu", 1, a => Ops.Relu(a[0]), x => Ops.ReluStep(x[0]).Y, "relu'(0) is taken as 0"),
        new("sigmoid", 1, a => Ops.Sigmoid(a[0]), x => Ops.SigmoidStep(x[0]).Y),
        new("sin", 1, a => Ops.Sin(a[0]), x => Ops.SinStep(x[0]).Y),
        new("sqrt", 1, a => Ops.Sqrt(a[0]), x => Ops.Sqrt(x[0])),
        new("tanh", 1, a => Ops.Tanh(a[0]), x => Ops.TanhStep(x[0]).Y),
    ];

    /// <summary>The named constants, pi and e, each the double nearest to it.</summary>
    public static IReadOnlyDictionary<string, double> Constants { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["e"] = Math.E,
        ["pi"] = Math.PI,
    };

    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToList();

    public static string KnownList => string.Join(", ", Names);

    public static bool IsKnown(string name) => Find(name) is not null;

    public static bool IsConstant(string name) => Constants.ContainsKey(name);

    public static MathFunction? Find(string name) => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    public static MathFunction Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown function {name}; known functions are {KnownList}", nameof(name));
}
