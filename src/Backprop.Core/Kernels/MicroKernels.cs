using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Kernels;

/// <summary>
/// The register-tiled inner kernels of <see cref="PackedGemm"/> (the "micro-kernel" of Goto and van de Geijn 2008
/// and of BLIS, Van Zee and van de Geijn 2015): an <see cref="Mr"/> x <see cref="Nr"/> tile of C held in registers
/// while k rank-1 updates stream through it. Row r of the A sliver is at <c>a + r rs + p cs</c>; row p of the B sliver
/// at <c>b + p ldb</c> (16 contiguous values). Every element of C is one accumulator that adds the k products in
/// order p = 0, 1, ..., k-1 with a fused multiply-add, so the Vector512 and Vector256 kernels give bit-identical
/// results: the vector width only decides how many elements are in flight, never the order of a sum.
/// </summary>
internal static unsafe class MicroKernels
{
    public const int Mr = 8;
    public const int Nr = 16;

    /// <summary>
    /// Effectively computes <c>c[r, j] = (accumulate ? c[r, j] : 0) + sum_p a[r, p] b[p, j]</c>, then adds bias[j]
    /// when <paramref name="bias"/> is not null (after the sum, as z = x W^T + b is defined).
    /// </summary>
    public static void Run(GemmIsa isa, int k, double* a, nint rs, nint cs, double* b, nint ldb, double* c, nint ldc, bool accumulate, double* bias)
    {
        switch (isa)
        {
            case GemmIsa.Avx512:
                Tile512(k, a, rs, cs, b, ldb, c, ldc, accumulate, bias);
                break;
            case GemmIsa.Avx2Fma:
                // Sixteen ymm registers hold a 4 x 8 tile with room for B and the broadcast (BLIS's Haswell kernel
                // is 6 x 8 for the same reason); the 8 x 16 tile is four of them.
                for (int r = 0; r < Mr; r += 4)
                {
                    for (int j = 0; j < Nr; j += 8)
                    {
                        Tile256(k, a + r * rs, rs, cs, b + j, ldb, c + r * ldc + j, ldc, accumulate, bias == null ? null : bias + j);
                    }
                }
                break;
            default:
                TileScalar(k, a, rs, cs, b, ldb, c, ldc, accumulate, bias);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512(int k, double* a, nint rs, nint cs, double* b, nint ldb, double* c, nint ldc, bool accumulate, double* bias)
    {
        // 16 accumulators (8 rows x 2 zmm) + 2 B vectors + 1 broadcast of 32 zmm registers; FMA latency 4 x 2 pipes
        // needs at least 8 independent chains, 16 leaves slack for the loads.
        Vector512<double> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 8);
            c10 = Vector512.Load(c + ldc); c11 = Vector512.Load(c + ldc + 8);
            c20 = Vector512.Load(c + 2 * ldc); c21 = Vector512.Load(c + 2 * ldc + 8);
            c30 = Vector512.Load(c + 3 * ldc); c31 = Vector512.Load(c + 3 * ldc + 8);
            c40 = Vector512.Load(c + 4 * ldc); c41 = Vector512.Load(c + 4 * ldc + 8);
            c50 = Vector512.Load(c + 5 * ldc); c51 = Vector512.Load(c + 5 * ldc + 8);
            c60 = Vector512.Load(c + 6 * ldc); c61 = Vector512.Load(c + 6 * ldc + 8);
            c70 = Vector512.Load(c + 7 * ldc); c71 = Vector512.Load(c + 7 * ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<double>.Zero;
            c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<double>.Zero;
        }
        double* a4 = a + 4 * rs;
        nint rs2 = 2 * rs, rs3 = 3 * rs;
        for (int p = 0; p < k; p++)
        {
            Vector512<double> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 8);
            Vector512<double> x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[rs]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[rs2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[rs3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[0]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a4[rs]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a4[rs2]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a4[rs3]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += cs;
            a4 += cs;
            b += ldb;
        }
        if (bias != null)
        {
            Vector512<double> bias0 = Vector512.Load(bias), bias1 = Vector512.Load(bias + 8);
            c00 += bias0; c01 += bias1; c10 += bias0; c11 += bias1; c20 += bias0; c21 += bias1; c30 += bias0; c31 += bias1;
            c40 += bias0; c41 += bias1; c50 += bias0; c51 += bias1; c60 += bias0; c61 += bias1; c70 += bias0; c71 += bias1;
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 8);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256(int k, double* a, nint rs, nint cs, double* b, nint ldb, double* c, nint ldc, bool accumulate, double* bias)
    {
        Vector256<double> c00, c01, c10, c11, c20, c21, c30, c31;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 4);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 4);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 4);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 4);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<double>.Zero;
        }
        nint rs2 = 2 * rs, rs3 = 3 * rs;
        for (int p = 0; p < k; p++)
        {
            Vector256<double> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 4);
            Vector256<double> x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[rs]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[rs2]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[rs3]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            a += cs;
            b += ldb;
        }
        if (bias != null)
        {
            Vector256<double> bias0 = Vector256.Load(bias), bias1 = Vector256.Load(bias + 4);
            c00 += bias0; c01 += bias1; c10 += bias0; c11 += bias1; c20 += bias0; c21 += bias1; c30 += bias0; c31 += bias1;
        }
        c00.Store(c); c01.Store(c + 4);
        c10.Store(c + ldc); c11.Store(c + ldc + 4);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 4);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 4);
    }

    private static void TileScalar(int k, double* a, nint rs, nint cs, double* b, nint ldb, double* c, nint ldc, bool accumulate, double* bias)
    {
        // Same order per element as the vector kernels; without FMA each product is rounded before the add.
        for (int r = 0; r < Mr; r++)
        {
            for (int j = 0; j < Nr; j++)
            {
                double s = accumulate ? c[r * ldc + j] : 0.0;
                double* ap = a + r * rs;
                double* bp = b + j;
                for (int p = 0; p < k; p++)
                {
                    s += ap[p * cs] * bp[p * ldb];
                }
                c[r * ldc + j] = bias == null ? s : s + bias[j];
            }
        }
    }
}
