using Backprop.Core.Kernels;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Kernels;

/// <summary>
/// The packed GEMM against a naive triple loop, for every micro-kernel this CPU can run (the slower ones forced
/// through the internal <see cref="GemmIsa"/> argument), every stride layout the dense layer uses, and sizes that hit
/// every row tail (mod 8), column tail (mod 16) and block edge (Mc = 64, Kc = 256).
/// </summary>
public sealed unsafe class PackedGemmTests
{
    private static readonly int[] Sizes = [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 70];
    private static readonly int[] Inner = [0, 1, 3, 16, 33, 255, 256, 257, 300];

    // The ISA travels as an int: GemmIsa is internal and a public test method cannot take it.
    public static TheoryData<int, Layout> Paths()
    {
        var data = new TheoryData<int, Layout>();
        foreach (GemmIsa isa in Enum.GetValues<GemmIsa>().Where(GemmIsaSupport.IsSupported))
        {
            foreach (Layout layout in Enum.GetValues<Layout>())
            {
                data.Add((int)isa, layout);
            }
        }
        return data;
    }

    /// <summary>The three products of a dense layer: X W^T (+ b), delta^T X, delta W.</summary>
    public enum Layout
    {
        ForwardWithBias,
        WeightGradient,
        InputGradient,
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_tail_and_block_edge_matches_the_naive_triple_loop(int kernel, Layout layout)
    {
        var isa = (GemmIsa)kernel;
        var workspace = new GemmWorkspace();
        foreach (int m in Sizes)
        {
            foreach (int n in Sizes)
            {
                foreach (int k in Inner)
                {
                    if ((long)m * n * k > 400_000 && m != 65 && n != 70)
                    {
                        continue; // the big inner sizes once per row and column tail are enough
                    }
                    Check(isa, layout, m, n, k, workspace);
                }
            }
        }
    }

    [Fact]
    public void The_fma_kernels_agree_bit_for_bit_whatever_the_vector_width()
    {
        GemmIsa[] fused = [.. new[] { GemmIsa.Avx512, GemmIsa.Avx2Fma }.Where(GemmIsaSupport.IsSupported)];
        if (fused.Length < 2)
        {
            return; // nothing to compare on this CPU
        }
        foreach (Layout layout in Enum.GetValues<Layout>())
        {
            double[] wide = Product(fused[0], layout, 37, 45, 300, threads: 1);
            double[] narrow = Product(fused[1], layout, 37, 45, 300, threads: 1);
            Assert.Equal(wide, narrow);
        }
    }

    [Fact]
    public void Same_inputs_give_bit_identical_results_on_one_thread_and_on_two()
    {
        // 200 x 130 x 300 is above the parallel threshold, with tails in every dimension.
        foreach (Layout layout in Enum.GetValues<Layout>())
        {
            double[] once = Product(GemmIsaSupport.Best, layout, 200, 130, 300, threads: 1);
            double[] again = Product(GemmIsaSupport.Best, layout, 200, 130, 300, threads: 1);
            double[] parallel = Product(GemmIsaSupport.Best, layout, 200, 130, 300, threads: 2);
            Assert.Equal(once, again);
            Assert.Equal(once, parallel);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_epilogue_sees_every_element_once_after_it_is_final(int threads)
    {
        const int m = 150, n = 100, k = 80;
        double[] a = NetworkFactory.Matrix(m, k, 11), b = NetworkFactory.Matrix(k, n, 12);
        var c = new double[m * n];
        var expected = new double[m * n];
        Naive(a, k, 1, b, n, 1, expected, m, n, k, null);
        fixed (double* pa = a, pb = b, pc = c)
        {
            var epilogue = new Recording(pc, n, m);
            PackedGemm.Multiply(new GemmOperands(pa, k, 1, pb, n, 1, pc, n, m, n, k), new GemmWorkspace(), threads, epilogue);
            Assert.All(epilogue.Seen, count => Assert.Equal(1, count));
            for (int i = 0; i < m * n; i++)
            {
                Assert.True(Math.Abs(expected[i] - epilogue.ValuesSeen[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"element {i}");
            }
        }
    }

    private static void Check(GemmIsa isa, Layout layout, int m, int n, int k, GemmWorkspace workspace)
    {
        (double[] a, nint ars, nint acs, double[] b, nint brs, nint bcs, double[]? bias) = Operands(layout, m, n, k);
        var c = new double[m * n];
        Array.Fill(c, double.NaN); // every element must be written
        fixed (double* pa = a, pb = b, pc = c, pbias = bias)
        {
            PackedGemm.Multiply(new GemmOperands(pa, ars, acs, pb, brs, bcs, pc, n, m, n, k, pbias), workspace, 1, null, isa);
        }
        var expected = new double[m * n];
        var scale = new double[m * n];
        Naive(a, ars, acs, b, brs, bcs, expected, m, n, k, bias, scale);
        for (int i = 0; i < m * n; i++)
        {
            // Relative to sum |a_p b_p| (+ |bias|): the error bound of any summation order, tight even under cancellation.
            double tolerance = 1e-12 * Math.Max(scale[i], double.Epsilon);
            Assert.True(Math.Abs(c[i] - expected[i]) <= tolerance, $"{isa} {layout} m={m} n={n} k={k} at {i}: {c[i]} vs {expected[i]}");
        }
    }

    private static double[] Product(GemmIsa isa, Layout layout, int m, int n, int k, int threads)
    {
        (double[] a, nint ars, nint acs, double[] b, nint brs, nint bcs, double[]? bias) = Operands(layout, m, n, k);
        var c = new double[m * n];
        fixed (double* pa = a, pb = b, pc = c, pbias = bias)
        {
            PackedGemm.Multiply(new GemmOperands(pa, ars, acs, pb, brs, bcs, pc, n, m, n, k, pbias), new GemmWorkspace(), threads, null, isa);
        }
        return c;
    }

    private static (double[] A, nint Ars, nint Acs, double[] B, nint Brs, nint Bcs, double[]? Bias) Operands(Layout layout, int m, int n, int k)
    {
        ulong seed = (ulong)(m * 10_000 + n * 100 + k);
        return layout switch
        {
            // A = X (m x k row-major), B = W^T with W n x k row-major.
            Layout.ForwardWithBias => (NetworkFactory.Matrix(m, k, seed), k, 1, NetworkFactory.Matrix(n, k, seed + 1), 1, k, NetworkFactory.Matrix(1, n, seed + 2)),
            // A = delta^T with delta k x m row-major, B = X (k x n row-major).
            Layout.WeightGradient => (NetworkFactory.Matrix(k, m, seed), 1, m, NetworkFactory.Matrix(k, n, seed + 1), n, 1, null),
            _ => (NetworkFactory.Matrix(m, k, seed), k, 1, NetworkFactory.Matrix(k, n, seed + 1), n, 1, null),
        };
    }

    private static void Naive(double[] a, nint ars, nint acs, double[] b, nint brs, nint bcs, double[] c, int m, int n, int k, double[]? bias, double[]? scale = null)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = a[i * ars + p * acs] * b[p * brs + j * bcs];
                    s += product;
                    magnitude += Math.Abs(product);
                }
                c[i * n + j] = bias is null ? s : s + bias[j];
                if (scale is not null)
                {
                    scale[i * n + j] = magnitude + (bias is null ? 0 : Math.Abs(bias[j]));
                }
            }
        }
    }

    /// <summary>Counts how often each element is handed to the epilogue and keeps the value it had then.</summary>
    private sealed class Recording(double* c, int columns, int rows) : GemmEpilogue
    {
        public int[] Seen { get; } = new int[rows * columns];

        public double[] ValuesSeen { get; } = new double[rows * columns];

        public override void Apply(int row, int rowCount, int column, int columnCount)
        {
            lock (Seen)
            {
                for (int i = row; i < row + rowCount; i++)
                {
                    for (int j = column; j < column + columnCount; j++)
                    {
                        Seen[i * columns + j]++;
                        ValuesSeen[i * columns + j] = c[i * columns + j];
                    }
                }
            }
        }
    }
}
