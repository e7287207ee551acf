namespace Backprop.Core.Networks;

/// <summary>
/// Updates a network's parameters from the gradients of its last backward pass. Optimisers with state
/// (momentum, Adam) allocate it on the first step for the network they are given.
/// </summary>
public abstract class Optimizer
{
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "adam"];

    public abstract string Name { get; }

    /// <summary>
    /// Where the state (momentum's velocity, Adam's moments) comes from: a pool for optimisers that live one trial,
    /// given back with <see cref="ReturnBuffers"/>; null (the default) allocates it.
    /// </summary>
    public BufferPool? Pool { get; init; }

    /// <summary>Gives the state back to <see cref="Pool"/>; a later step starts from zero state, as a new optimiser would.</summary>
    public virtual void ReturnBuffers()
    {
    }

    /// <summary>Zeroed state of <paramref name="length"/> values, from <see cref="Pool"/> when there is one.</summary>
    protected double[] RentState(int length) => Pool?.Rent(length) ?? new double[length];

    protected void ReturnState(double[] state) => Pool?.Return(state);

    /// <summary>Applies one update to every W_l and b_l of <paramref name="network"/>, and to the gains and biases of its norms.</summary>
    public void Step(Mlp network)
    {
        ArgumentNullException.ThrowIfNull(network);
        OnStep();
        for (int l = 0; l < network.Depth; l++)
        {
            DenseLayer layer = network.Layers[l];
            Update(2 * l, layer.Weights, layer.WeightGradient);
            Update(2 * l + 1, layer.Biases, layer.BiasGradient);
            if (layer.Norm != Normalization.None)
            {
                Update(2 * network.Depth + 2 * l, layer.NormGain, layer.NormGainGradient);
                Update(2 * network.Depth + 2 * l + 1, layer.NormBias, layer.NormBiasGradient);
            }
        }
    }

    /// <summary>Called once per step before the tensors are updated.</summary>
    protected virtual void OnStep()
    {
    }

    /// <summary>Updates one parameter tensor; <paramref name="slot"/> identifies it for per-tensor state.</summary>
    protected abstract void Update(int slot, Span<double> parameters, ReadOnlySpan<double> gradient);
}

/// <summary>Plain gradient descent, as in the worked example: w := w - alpha dJ/dw.</summary>
public sealed class Sgd(double learningRate) : Optimizer
{
    public double LearningRate { get; } = learningRate > 0 && double.IsFinite(learningRate)
        ? learningRate
        : throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be positive and finite");

    public override string Name => "sgd";

    protected override void Update(int slot, Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] -= LearningRate * gradient[i];
        }
    }
}

/// <summary>Heavy-ball momentum in PyTorch's form: v := mu v + g; w := w - alpha v.</summary>
public sealed class Momentum(double learningRate, double momentum = 0.9) : Optimizer
{
    private readonly Dictionary<int, double[]> _velocity = [];

    public double LearningRate { get; } = learningRate > 0 && double.IsFinite(learningRate)
        ? learningRate
        : throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be positive and finite");

    public double Mu { get; } = momentum is >= 0 and < 1
        ? momentum
        : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");

    public override string Name => "momentum";

    public override void ReturnBuffers()
    {
        foreach (double[] v in _velocity.Values)
        {
            ReturnState(v);
        }
        _velocity.Clear();
    }

    protected override void Update(int slot, Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        if (!_velocity.TryGetValue(slot, out double[]? v))
        {
            v = RentState(parameters.Length);
            _velocity[slot] = v;
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            v[i] = Mu * v[i] + gradient[i];
            parameters[i] -= LearningRate * v[i];
        }
    }
}

/// <summary>
/// Adam (Kingma and Ba 2015, Algorithm 1): m := b1 m + (1 - b1) g, v := b2 v + (1 - b2) g^2,
/// w := w - alpha mhat / (sqrt(vhat) + eps) with the bias corrections mhat = m / (1 - b1^t), vhat = v / (1 - b2^t).
/// </summary>
public sealed class Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : Optimizer
{
    private readonly Dictionary<int, (double[] M, double[] V)> _moments = [];
    private int _t;

    public double LearningRate { get; } = learningRate > 0 && double.IsFinite(learningRate)
        ? learningRate
        : throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be positive and finite");

    public double Beta1 { get; } = beta1 is >= 0 and < 1 ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1));
    public double Beta2 { get; } = beta2 is >= 0 and < 1 ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2));
    public double Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon));

    public override string Name => "adam";

    public override void ReturnBuffers()
    {
        foreach (var (m, v) in _moments.Values)
        {
            ReturnState(m);
            ReturnState(v);
        }
        _moments.Clear();
        _t = 0;
    }

    protected override void OnStep() => _t++;

    protected override void Update(int slot, Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        if (!_moments.TryGetValue(slot, out var state))
        {
            state = (RentState(parameters.Length), RentState(parameters.Length));
            _moments[slot] = state;
        }
        double c1 = 1.0 - Math.Pow(Beta1, _t);
        double c2 = 1.0 - Math.Pow(Beta2, _t);
        for (int i = 0; i < parameters.Length; i++)
        {
            double g = gradient[i];
            state.M[i] = Beta1 * state.M[i] + (1.0 - Beta1) * g;
            state.V[i] = Beta2 * state.V[i] + (1.0 - Beta2) * g * g;
            double mHat = state.M[i] / c1;
            double vHat = state.V[i] / c2;
            parameters[i] -= LearningRate * mHat / (Math.Sqrt(vHat) + Epsilon);
        }
    }
}
