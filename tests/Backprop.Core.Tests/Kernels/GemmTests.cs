using Backprop.Core.Kernels;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Kernels;

public class GemmTests
{
    // Sizes sweep 1..17 and a few wider ones so every vector tail (Vector128/256/512 of doubles) is hit.
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int m in new[] { 1, 2, 5 })
        {
            foreach (int k in new[] { 1, 3, 4, 7, 8, 9, 16, 17, 33 })
            {
                foreach (int n in new[] { 1, 6, 13 })
                {
                    data.Add(m, k, n);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_three_products_equal_the_naive_triple_loop(int m, int k, int n)
    {
        double[] a = NetworkFactory.Matrix(m, k, (ulong)(m * 100 + k));
        double[] b = NetworkFactory.Matrix(n, k, (ulong)(n * 100 + k + 1));
        var c = new double[m * n];
        Gemm.MultiplyTransposedB(a, b, m, k, n, c);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += a[i * k + p] * b[j * k + p];
                }
                Assert.Equal(s, c[i * n + j], 1e-13);
            }
        }

        // C = A^T B with A m x n (here: c from above), B m x k (here: a).
        var atb = new double[n * k];
        Gemm.MultiplyTransposedA(c, a, m, n, k, atb);
        var ab = new double[m * k];
        Gemm.Multiply(c, b, m, n, k, ab);
        for (int p = 0; p < n; p++)
        {
            for (int q = 0; q < k; q++)
            {
                double s = 0;
                for (int i = 0; i < m; i++)
                {
                    s += c[i * n + p] * a[i * k + q];
                }
                Assert.Equal(s, atb[p * k + q], 1e-12);
            }
        }
        for (int i = 0; i < m; i++)
        {
            for (int q = 0; q < k; q++)
            {
                double s = 0;
                for (int p = 0; p < n; p++)
                {
                    s += c[i * n + p] * b[p * k + q];
                }
                Assert.Equal(s, ab[i * k + q], 1e-12);
            }
        }
    }

    [Fact]
    public void Row_sums_and_bias_add()
    {
        double[] a = [1, 2, 3, 4, 5, 6];
        var sums = new double[3];
        Gemm.SumRows(a, 2, 3, sums);
        Assert.Equal([5.0, 7.0, 9.0], sums);
        Gemm.AddRowVector(a, [10, 20, 30], 2, 3);
        Assert.Equal([11.0, 22, 33, 14, 25, 36], a);
    }

    [Fact]
    public void Too_short_destination_is_rejected() =>
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedB(new double[4], new double[4], 2, 2, 2, new double[3]));
}
