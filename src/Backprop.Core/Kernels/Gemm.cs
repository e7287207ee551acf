using System.Numerics.Tensors;

namespace Backprop.Core.Kernels;

/// <summary>
/// The three matrix products of a dense layer, on row-major spans, destination last
/// (the TensorPrimitives convention), run on the same <see cref="PackedGemm"/> kernels as <see cref="Networks.DenseLayer"/>,
/// one thread, so code that re-derives a layer's gradients by hand (the checker's localiser, planted bugs, own-layer
/// harness) gets bit-identical numbers to the engine's. Each element adds its k products in order with a fused
/// multiply-add (an unfused multiply and add on CPUs without FMA). The naive triple loop in the tests is the reference.
/// </summary>
public static unsafe class Gemm
{
    // One workspace per thread: these static methods are called from the checker's parallel loops.
    [ThreadStatic]
    private static GemmWorkspace? t_workspace;

    private static GemmWorkspace Workspace => t_workspace ??= new GemmWorkspace();

    /// <summary>The micro-kernel this CPU runs, for benchmark reports.</summary>
    public static string KernelDescription => GemmIsaSupport.Best switch
    {
        GemmIsa.Avx512 => "Vector512 + AVX-512F FMA, 8x16 tile",
        GemmIsa.Avx2Fma => "Vector256 + FMA3, 8x16 tile as four 4x8",
        _ => "scalar, no FMA",
    };

    /// <summary>
    /// Forward product: effectively computes <c>c[i, j] = sum_p a[i, p] * b[j, p]</c>, i.e. C = A B^T with
    /// A m x k, B n x k, C m x n (Z = X W^T for a layer whose weights are out x in).
    /// </summary>
    public static void MultiplyTransposedB(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int m, int k, int n, Span<double> c)
    {
        CheckShape(a, m * k, nameof(a));
        CheckShape(b, n * k, nameof(b));
        CheckShape(c, m * n, nameof(c));
        fixed (double* pa = a, pb = b, pc = c)
        {
            PackedGemm.Multiply(new GemmOperands(pa, k, 1, pb, 1, k, pc, n, m, n, k), Workspace);
        }
    }

    /// <summary>
    /// Weight-gradient product: effectively computes <c>c[p, q] = sum_i a[i, p] * b[i, q]</c>, i.e. C = A^T B with
    /// A m x n, B m x k, C n x k (dJ/dW = delta^T X).
    /// </summary>
    public static void MultiplyTransposedA(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int m, int n, int k, Span<double> c)
    {
        CheckShape(a, m * n, nameof(a));
        CheckShape(b, m * k, nameof(b));
        CheckShape(c, n * k, nameof(c));
        fixed (double* pa = a, pb = b, pc = c)
        {
            PackedGemm.Multiply(new GemmOperands(pa, 1, n, pb, k, 1, pc, k, n, k, m), Workspace);
        }
    }

    /// <summary>
    /// Input-gradient product: effectively computes <c>c[i, q] = sum_p a[i, p] * b[p, q]</c>, i.e. C = A B with
    /// A m x n, B n x k, C m x k (dJ/dX = delta W).
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int m, int n, int k, Span<double> c)
    {
        CheckShape(a, m * n, nameof(a));
        CheckShape(b, n * k, nameof(b));
        CheckShape(c, m * k, nameof(c));
        fixed (double* pa = a, pb = b, pc = c)
        {
            PackedGemm.Multiply(new GemmOperands(pa, n, 1, pb, k, 1, pc, k, m, k, n), Workspace);
        }
    }

    /// <summary>Adds <paramref name="bias"/> (length n) to every row of the m x n matrix <paramref name="c"/>.</summary>
    public static void AddRowVector(Span<double> c, ReadOnlySpan<double> bias, int m, int n)
    {
        CheckShape(c, m * n, nameof(c));
        CheckShape(bias, n, nameof(bias));
        for (int i = 0; i < m; i++)
        {
            Span<double> row = c.Slice(i * n, n);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>Effectively computes <c>sums[j] = sum_i a[i, j]</c> over the m rows of an m x n matrix (dJ/db).</summary>
    public static void SumRows(ReadOnlySpan<double> a, int m, int n, Span<double> sums)
    {
        CheckShape(a, m * n, nameof(a));
        CheckShape(sums, n, nameof(sums));
        sums.Clear();
        for (int i = 0; i < m; i++)
        {
            TensorPrimitives.Add(sums, a.Slice(i * n, n), sums);
        }
    }

    private static void CheckShape(ReadOnlySpan<double> span, int expected, string name)
    {
        if (span.Length < expected)
        {
            throw new ArgumentException($"{name} has {span.Length} elements; the shape needs {expected}.", name);
        }
    }
}
