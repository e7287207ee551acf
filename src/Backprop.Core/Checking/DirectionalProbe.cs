using System.Buffers;
using System.Runtime.CompilerServices;
using Backprop.Core.Networks;

namespace Backprop.Core.Checking;

/// <summary>One tensor's share of a direction u: its entries, in the tensor's own row-major order.</summary>
internal readonly record struct DirectionPart(TensorId Tensor, ArraySegment<double> U);

/// <summary>
/// The fast check's probe: (J(t + h u) - J(t - h u)) / 2h on the problem's own network, not a clone. A clone of a
/// large network, with its buffers warmed by a first forward pass, cost about a training step. Instead t is saved
/// once (one copy of the parameters, a few percent of a step) and each move is written from the copy,
/// t_i + s u_i, so the two points are exactly those a clone would see and t is put back bit for bit, also when a
/// pass throws. Moving by axpys alone (t += h u, t -= 2h u, t += h u) would skip the copy but leave t and t - h u
/// a few ulps off. The inputs move in a private buffer, never in the caller's array. Scratch comes from the shared
/// array pool, so a warm check allocates next to nothing. The network's activation and gradient buffers are
/// overwritten, as a training step overwrites them; like training, this is not safe to run twice at once on one network.
/// </summary>
internal sealed class DirectionalProbe : IDisposable
{
    private readonly GradientProblem _problem;
    private readonly Mlp _network;
    private readonly Precision _precision;
    private const int Kinds = 4; // W, b, gamma, beta of a layer, in the order of Parameters
    private readonly int[] _offsets; // where each parameter tensor of layer l starts in _saved: [Kinds (l - 1) + kind]
    private readonly double[] _saved;
    private readonly double[] _inputs;
    private readonly int _kinked;
    private readonly sbyte[] _plus;
    private readonly sbyte[] _minus;
    private readonly sbyte[] _center;
    private bool _moved;

    public DirectionalProbe(GradientProblem problem, Precision precision)
    {
        _problem = problem;
        _network = problem.Network;
        _precision = precision;
        _offsets = new int[Kinds * _network.Depth];
        int at = 0;
        for (int l = 0; l < _network.Depth; l++)
        {
            for (int t = 0; t < Kinds; t++)
            {
                _offsets[Kinds * l + t] = at;
                at += Parameters(_network.Layers[l], t).Length;
            }
        }
        _saved = ArrayPool<double>.Shared.Rent(at);
        _inputs = ArrayPool<double>.Shared.Rent(problem.Inputs.Length);
        _kinked = KinkSides.Count(_network, problem.Count);
        _plus = ArrayPool<sbyte>.Shared.Rent(_kinked);
        _minus = ArrayPool<sbyte>.Shared.Rent(_kinked);
        _center = ArrayPool<sbyte>.Shared.Rent(_kinked);
        for (int l = 0; l < _network.Depth; l++)
        {
            for (int t = 0; t < Kinds; t++)
            {
                Parameters(_network.Layers[l], t).CopyTo(_saved, _offsets[Kinds * l + t]);
            }
        }
        problem.Inputs.CopyTo(_inputs, 0);
    }

    /// <summary>J at t, set by <see cref="UseCenter"/> or <see cref="EvaluateCenter"/>.</summary>
    public double Center { get; private set; } = double.NaN;

    /// <summary>
    /// Takes J at t from a forward pass that has just run on the network at t (the engine's own backward pass, in
    /// float64): the same function of the same values, so the same bits as a forward of the probe's own, saved.
    /// </summary>
    public void UseCenter(double loss)
    {
        Center = loss;
        KinkSides.Capture(_network, CenterSides);
    }

    /// <summary>Puts t back (a backward pass of someone else's might have moved it) and evaluates J there.</summary>
    public void EvaluateCenter()
    {
        Restore();
        Center = Loss();
        KinkSides.Capture(_network, CenterSides);
    }

    /// <summary>Central difference of J along u (given per tensor): (J(t + h u) - J(t - h u)) / 2h.</summary>
    public Difference Direction(IReadOnlyList<DirectionPart> direction, double h)
    {
        _moved = true;
        Move(direction, h);
        double plus = Loss();
        KinkSides.Capture(_network, _plus.AsSpan(0, _kinked));
        Move(direction, -h);
        double minus = Loss();
        KinkSides.Capture(_network, _minus.AsSpan(0, _kinked));
        foreach (DirectionPart part in direction)
        {
            Original(part.Tensor).CopyTo(Values(part.Tensor));
        }
        _moved = false;
        return Difference.From(plus, Center, minus, h, h, _plus.AsSpan(0, _kinked), CenterSides, _minus.AsSpan(0, _kinked));
    }

    /// <summary>Puts t back if a pass was interrupted, and returns the scratch to the pool.</summary>
    public void Dispose()
    {
        if (_moved)
        {
            Restore();
        }
        ArrayPool<double>.Shared.Return(_saved);
        ArrayPool<double>.Shared.Return(_inputs);
        ArrayPool<sbyte>.Shared.Return(_plus);
        ArrayPool<sbyte>.Shared.Return(_minus);
        ArrayPool<sbyte>.Shared.Return(_center);
    }

    private Span<sbyte> CenterSides => _center.AsSpan(0, _kinked);

    private double Loss() =>
        KinkSides.Loss(_network, _inputs.AsSpan(0, _problem.Inputs.Length), _problem.Targets, _problem.Count, _problem.Loss, _precision, _kinked > 0);

    private void Move(IReadOnlyList<DirectionPart> direction, double step)
    {
        foreach (DirectionPart part in direction)
        {
            MoveFrom(Original(part.Tensor), part.U, step, Values(part.Tensor));
        }
    }

    /// <summary>
    /// values_i = original_i + step u_i, a multiply then an add, each rounded (no fused multiply-add, so the same bits
    /// on any CPU). Memory-bound, so a vectorised form gains nothing; optimised from the first call, since it runs a
    /// few times per check and tier-0 code of a loop is several times slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MoveFrom(ReadOnlySpan<double> original, ReadOnlySpan<double> u, double step, Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = original[i] + step * u[i];
        }
    }

    private void Restore()
    {
        for (int l = 0; l < _network.Depth; l++)
        {
            for (int t = 0; t < Kinds; t++)
            {
                double[] values = Parameters(_network.Layers[l], t);
                _saved.AsSpan(_offsets[Kinds * l + t], values.Length).CopyTo(values);
            }
        }
        _problem.Inputs.CopyTo(_inputs, 0);
        _moved = false;
    }

    private Span<double> Values(TensorId tensor) =>
        tensor.Kind == TensorKind.Inputs ? _inputs.AsSpan(0, _problem.Inputs.Length) : Parameters(_network.Layers[tensor.Layer - 1], Slot(tensor.Kind));

    private ReadOnlySpan<double> Original(TensorId tensor)
    {
        if (tensor.Kind == TensorKind.Inputs)
        {
            return _problem.Inputs;
        }
        int slot = Slot(tensor.Kind);
        return _saved.AsSpan(_offsets[Kinds * (tensor.Layer - 1) + slot], Parameters(_network.Layers[tensor.Layer - 1], slot).Length);
    }

    private static int Slot(TensorKind kind) => kind switch
    {
        TensorKind.Weights => 0,
        TensorKind.Biases => 1,
        TensorKind.NormGain => 2,
        TensorKind.NormBias => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A layer's parameter tensor by slot: W, b, gamma, beta (the last two empty without a norm).</summary>
    private static double[] Parameters(DenseLayer layer, int slot) => slot switch
    {
        0 => layer.Weights,
        1 => layer.Biases,
        2 => layer.NormGain,
        _ => layer.NormBias,
    };
}
