namespace Backprop.Core.Kernels;

/// <summary>
/// One product C = A B + bias for <see cref="PackedGemm"/>, on pinned memory, with any strides: A is m x k with
/// A[i, p] at <c>a + i aRowStride + p aColStride</c>, B is k x n with B[p, j] at <c>b + p bRowStride + j bColStride</c>,
/// C is m x n row-major with leading dimension <c>ldc</c>, bias (length n) is null or added after the sum. Strides
/// let one driver serve the three products of a dense layer without transposing anything in memory:
/// X W^T (B = W^T: row stride 1), delta^T X (A = delta^T: row stride 1) and delta W (both row-major).
/// </summary>
internal readonly unsafe struct GemmOperands
{
    public GemmOperands(double* a, nint aRowStride, nint aColStride, double* b, nint bRowStride, nint bColStride, double* c, nint ldc, int m, int n, int k, double* bias = null)
    {
        A = a;
        ARowStride = aRowStride;
        AColStride = aColStride;
        B = b;
        BRowStride = bRowStride;
        BColStride = bColStride;
        C = c;
        Ldc = ldc;
        M = m;
        N = n;
        K = k;
        Bias = bias;
    }

    public double* A { get; }
    public nint ARowStride { get; }
    public nint AColStride { get; }
    public double* B { get; }
    public nint BRowStride { get; }
    public nint BColStride { get; }
    public double* C { get; }
    public nint Ldc { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public double* Bias { get; }

    /// <summary>Multiply-adds in the product, the work that decides whether it is worth splitting over threads.</summary>
    public long MultiplyAdds => (long)M * N * K;
}
