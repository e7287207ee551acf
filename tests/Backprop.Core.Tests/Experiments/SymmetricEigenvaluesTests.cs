using Backprop.Core.Experiments;
using Backprop.Core.Randomness;
using MathNet.Numerics.LinearAlgebra;

namespace Backprop.Core.Tests.Experiments;

public class SymmetricEigenvaluesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(251)]
    public void Eigenvalues_equal_those_of_math_net_on_random_symmetric_matrices(int n)
    {
        var rng = new Rng((ulong)n);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                a[i * n + j] = a[j * n + i] = rng.NextNormal();
            }
        }
        double[] expected = Matrix<double>.Build.Dense(n, n, (double[])a.Clone()).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).Order().ToArray();
        var actual = new double[n];
        SymmetricEigenvalues.Compute(a, n, actual);
        Array.Sort(actual);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12 * n);
        }
    }

    [Fact]
    public void A_matrix_with_repeated_and_zero_eigenvalues_is_solved_exactly_enough()
    {
        // diag(2, 2, 0, -1) in a rotated basis: Q D Q^T with Q a Householder reflection.
        double[] v = [0.5, -0.5, 0.5, 0.5];
        double[] d = [2, 2, 0, -1];
        var a = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    double qik = (i == k ? 1 : 0) - 2 * v[i] * v[k], qjk = (j == k ? 1 : 0) - 2 * v[j] * v[k];
                    a[i * 4 + j] += qik * d[k] * qjk;
                }
            }
        }
        var values = new double[4];
        SymmetricEigenvalues.Compute(a, 4, values);
        Array.Sort(values);
        Assert.Equal([-1, 0, 2, 2], values.Select(x => Math.Round(x, 13) + 0.0));
    }
}
