using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>
/// One worker's private copy of a gradient problem, on which it moves entries by +-h and evaluates J while
/// recording which side of its kink every unit of a kinked layer (relu, leaky_relu, elu with alpha != 1) is on.
/// Forward passes overwrite the network's buffers, so each thread needs its own probe.
/// </summary>
internal sealed class LossProbe
{
    private readonly Mlp _network;
    private readonly double[] _inputs;
    private readonly double[] _targets;
    private readonly int _m;
    private readonly Loss _loss;
    private readonly Precision _precision;
    private readonly bool[] _plus;
    private readonly bool[] _minus;
    private readonly bool[] _center;

    public LossProbe(GradientProblem problem, Precision precision)
    {
        _network = problem.Network.Clone();
        _inputs = (double[])problem.Inputs.Clone();
        _targets = problem.Targets;
        _m = problem.Count;
        _loss = problem.Loss;
        _precision = precision;
        int kinked = _network.Layers.Where(l => l.Activation.HasKink).Sum(l => l.OutputSize) * _m;
        _plus = new bool[kinked];
        _minus = new bool[kinked];
        _center = new bool[kinked];
        Center = Loss();
        CaptureKinks(_center);
    }

    /// <summary>J at the unmoved values, evaluated once when the probe is made.</summary>
    public double Center { get; }

    public Mlp Network => _network;

    /// <summary>The array holding a tensor's values in this probe's copy (moved in place).</summary>
    public double[] Values(TensorId tensor) => tensor.Kind switch
    {
        TensorKind.Weights => _network.Layers[tensor.Layer - 1].Weights,
        TensorKind.Biases => _network.Layers[tensor.Layer - 1].Biases,
        _ => _inputs,
    };

    /// <summary>J at the current values; the kink sides are left in the network's pre-activations.</summary>
    public double Loss()
    {
        if (_precision == Precision.Double)
        {
            return _network.ComputeLoss(_inputs, _targets, _m, _loss);
        }
        if (_plus.Length > 0)
        {
            _network.Forward(_inputs, _m); // for the kink sides only
        }
        return SinglePrecisionLoss.Compute(_network, _inputs, _targets, _m, _loss);
    }

    /// <summary>Central difference of J in entry <paramref name="index"/> of a tensor.</summary>
    public Difference Entry(TensorId tensor, int index, double h, double center)
    {
        double[] values = Values(tensor);
        double original = values[index];
        double up = original + h;
        double down = original - h;
        values[index] = up;
        double plus = Loss();
        CaptureKinks(_plus);
        values[index] = down;
        double minus = Loss();
        CaptureKinks(_minus);
        values[index] = original;
        return Difference.From(plus, center, minus, up - original, original - down, _plus, _center, _minus);
    }

    /// <summary>Central difference of J along a direction u given per tensor: (J(t + h u) - J(t - h u)) / 2h.</summary>
    public Difference Direction(IReadOnlyList<(TensorId Tensor, double[] U)> direction, double h, double center)
    {
        var saved = direction.Select(d => (double[])Values(d.Tensor).Clone()).ToArray();
        Move(direction, saved, h);
        double plus = Loss();
        CaptureKinks(_plus);
        Move(direction, saved, -h);
        double minus = Loss();
        CaptureKinks(_minus);
        for (int t = 0; t < direction.Count; t++)
        {
            saved[t].CopyTo(Values(direction[t].Tensor), 0);
        }
        return Difference.From(plus, center, minus, h, h, _plus, _center, _minus);
    }

    private void Move(IReadOnlyList<(TensorId Tensor, double[] U)> direction, double[][] saved, double step)
    {
        for (int t = 0; t < direction.Count; t++)
        {
            double[] values = Values(direction[t].Tensor);
            double[] u = direction[t].U;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = saved[t][i] + step * u[i];
            }
        }
    }

    private void CaptureKinks(bool[] sides)
    {
        int at = 0;
        foreach (DenseLayer layer in _network.Layers)
        {
            if (layer.Activation.HasKink)
            {
                foreach (double z in layer.PreActivation)
                {
                    sides[at++] = z > 0;
                }
            }
        }
    }
}
