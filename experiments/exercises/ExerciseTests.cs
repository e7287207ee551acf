using Backprop.Lab.Testing;

namespace Backprop.Lab.Exercises;

/// <summary>Your tests: each passes once your backward rule matches the finite differences of the forward pass.</summary>
public class ExerciseTests
{
    private static readonly double[] X = [0.5, -1.2, 2.0, 0.1, -0.3, 0.8];

    [Fact]
    public void Exercise_1_sigmoid() => GradAssert.LayerGradientsCorrect(new Sigmoid(3), X, 2);

    [Fact]
    public void Exercise_2_softmax_cross_entropy() => GradAssert.LayerGradientsCorrect(new SoftmaxCrossEntropy(3, [0, 1, 0, 1, 0, 0]), X, 2);

    [Fact]
    public void Exercise_3_dense() => GradAssert.LayerGradientsCorrect(new Dense(3, 2), X, 2);
}
