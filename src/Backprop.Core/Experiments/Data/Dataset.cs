using Backprop.Core.Networks;

namespace Backprop.Core.Experiments.Data;

/// <summary>
/// A dataset held in memory: <see cref="Count"/> examples, inputs row-major (Count x InputSize) and targets
/// (Count x OutputSize; one-hot rows for classification, the cotangent for the Gaussian setting).
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, int inputSize, int outputSize, double[] inputs, double[] targets, Loss defaultLoss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        if (inputs.Length % inputSize != 0 || targets.Length != inputs.Length / inputSize * outputSize || inputs.Length == 0)
        {
            throw new ArgumentException($"dataset {name}: {inputs.Length} inputs and {targets.Length} targets do not form rows of {inputSize} and {outputSize}");
        }
        Name = name;
        InputSize = inputSize;
        OutputSize = outputSize;
        Inputs = inputs;
        Targets = targets;
        DefaultLoss = defaultLoss;
        Count = inputs.Length / inputSize;
    }

    public string Name { get; }
    public int Count { get; }
    public int InputSize { get; }
    public int OutputSize { get; }
    public double[] Inputs { get; }
    public double[] Targets { get; }

    /// <summary>The loss the dataset is meant for (MSE for regression, cross-entropy for classes, linear for a cotangent).</summary>
    public Loss DefaultLoss { get; }
}
