using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// One worker's private copy of a gradient problem, on which it moves entries by +-h and evaluates J while
/// recording which side of its kink every unit of a kinked layer is on (<see cref="KinkSides"/>).
/// Forward passes overwrite the network's buffers, so each thread needs its own probe. The fast check, which
/// moves every entry at once, uses <see cref="DirectionalProbe"/> instead.
/// </summary>
internal sealed class LossProbe
{
    private readonly Mlp _network;
    private readonly double[] _inputs;
    private readonly double[] _targets;
    private readonly int _m;
    private readonly Loss _loss;
    private readonly Precision _precision;
    private readonly sbyte[] _plus;
    private readonly sbyte[] _minus;
    private readonly sbyte[] _center;

    public LossProbe(GradientProblem problem, Precision precision)
    {
        _network = problem.Network.Clone();
        _inputs = (double[])problem.Inputs.Clone();
        _targets = problem.Targets;
        _m = problem.Count;
        _loss = problem.Loss;
        _precision = precision;
        int kinked = KinkSides.Count(_network, _m);
        _plus = new sbyte[kinked];
        _minus = new sbyte[kinked];
        _center = new sbyte[kinked];
        Center = Loss();
        KinkSides.Capture(_network, _center);
    }

    /// <summary>J at the unmoved values, evaluated once when the probe is made.</summary>
    public double Center { get; }

    /// <summary>The array holding a tensor's values in this probe's copy (moved in place).</summary>
    public double[] Values(TensorId tensor) => tensor.Kind switch
    {
        TensorKind.Weights => _network.Layers[tensor.Layer - 1].Weights,
        TensorKind.Biases => _network.Layers[tensor.Layer - 1].Biases,
        TensorKind.NormGain => _network.Layers[tensor.Layer - 1].NormGain,
        TensorKind.NormBias => _network.Layers[tensor.Layer - 1].NormBias,
        _ => _inputs,
    };

    /// <summary>J at the current values; the kink sides are left in the network's pre-activations.</summary>
    public double Loss() => KinkSides.Loss(_network, _inputs, _targets, _m, _loss, _precision, _plus.Length > 0);

    /// <summary>Central difference of J in entry <paramref name="index"/> of a tensor.</summary>
    public Difference Entry(TensorId tensor, int index, double h, double center)
    {
        double[] values = Values(tensor);
        double original = values[index];
        double up = original + h;
        double down = original - h;
        values[index] = up;
        double plus = Loss();
        KinkSides.Capture(_network, _plus);
        values[index] = down;
        double minus = Loss();
        KinkSides.Capture(_network, _minus);
        values[index] = original;
        return Difference.From(plus, center, minus, up - original, original - down, _plus, _center, _minus);
    }
}
