namespace Backprop.Core.Kernels;

/// <summary>
/// A cache-blocked, register-tiled matrix product, C = A B (+ bias), after Goto and van de Geijn 2008 ("Anatomy of
/// high-performance matrix multiplication") and the BLIS loop nest (Van Zee and van de Geijn 2015), reduced to what
/// dense layers of width up to a few thousand need:
/// <list type="bullet">
/// <item>B is packed into 16-column panels (k x 16, contiguous) unless its rows are already contiguous; then only the
/// last, partial panel is packed (zero-padded), and full panels are read in place.</item>
/// <item>A is read in place through its strides (8 rows broadcast per k step); a partial last row block is copied,
/// zero-padded, to a per-thread tail.</item>
/// <item>Loops, outer to inner: <see cref="Mc"/> rows of A (an Mc x Kc block, 128 KiB, stays in L2), <see cref="Kc"/>
/// of the inner dimension (the Kc x 16 B sliver, 32 KiB, stays in L1 while the row tiles of the block stream past
/// it), 16-column panels, 8-row tiles; then the 8 x 16 micro-kernel (<see cref="MicroKernels"/>).</item>
/// <item>Threads split the column panels into fixed contiguous ranges (parts), claimed as threads come free. Each
/// element of C is computed within one part, adding its k products in order 0..k-1, so results are bit-identical
/// for any thread count and any timing.</item>
/// </list>
/// </summary>
internal static unsafe class PackedGemm
{
    /// <summary>Rows of A per L2 block.</summary>
    public const int Mc = 64;

    /// <summary>Inner-dimension block: 256 x 16 doubles = 32 KiB of B, the L1 of a Zen 4 or Skylake core.</summary>
    public const int Kc = 256;

    /// <summary>Below about a million multiply-adds (~25 us on one core) waking a second thread costs more than it saves.</summary>
    public const long ParallelThreshold = 1L << 20;

    /// <summary>Parts per thread in a parallel product (column ranges of at least one 16-wide panel each).</summary>
    public const int PartsPerThread = 4;

    private const int Mr = MicroKernels.Mr;
    private const int Nr = MicroKernels.Nr;

    /// <summary>
    /// Computes C = A B (+ bias) for <paramref name="op"/>, on up to <paramref name="threads"/> threads when the product
    /// is large enough, then runs <paramref name="epilogue"/> on each finished block. <paramref name="isa"/> forces a
    /// micro-kernel (tests); by default the best this CPU has.
    /// </summary>
    public static void Multiply(in GemmOperands op, GemmWorkspace workspace, int threads = 1, GemmEpilogue? epilogue = null, GemmIsa? isa = null)
    {
        if (op.M <= 0 || op.N <= 0)
        {
            return;
        }
        GemmIsa kernel = isa ?? GemmIsaSupport.Best;
        if (!GemmIsaSupport.IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"{kernel} is not supported on this CPU");
        }
        int panels = (op.N + Nr - 1) / Nr;
        // Several parts per thread, claimed as threads come free: a thread the OS delays holds up only one small part.
        int parts = threads > 1 && op.MultiplyAdds >= ParallelThreshold && WorkerTeam.Shared.Size > 1
            ? Math.Min(panels, PartsPerThread * Math.Min(threads, WorkerTeam.Shared.Size))
            : 1;
        workspace.Ensure(op.K, op.N, parts);
        if (parts == 1)
        {
            RunPart(op, workspace, 0, 0, panels, kernel, epilogue);
            return;
        }
        Job job = workspace.Job;
        job.Set(op, parts, panels, kernel, epilogue);
        try
        {
            WorkerTeam.Shared.Run(job, parts);
        }
        finally
        {
            job.Clear();
        }
    }

    /// <summary>Columns [16 q0, 16 q1) of C, all rows: one thread's fixed share.</summary>
    private static void RunPart(in GemmOperands op, GemmWorkspace workspace, int part, int q0, int q1, GemmIsa isa, GemmEpilogue? epilogue)
    {
        int m = op.M, n = op.N, k = op.K;
        int j0 = q0 * Nr, j1 = Math.Min(q1 * Nr, n);
        if (j0 >= j1)
        {
            return;
        }
        if (k == 0)
        {
            FillBias(op, j0, j1, epilogue);
            return;
        }
        bool direct = op.BColStride == 1;
        double* packed = workspace.PackedB;
        for (int q = q0; q < q1; q++)
        {
            if (!direct || (q + 1) * Nr > n)
            {
                PackPanel(op, q, packed + (nint)q * k * Nr);
            }
        }
        double* aTail = workspace.ATail(part);
        double* tile = stackalloc double[Mr * Nr];
        nint ldc = op.Ldc;
        for (int ic = 0; ic < m; ic += Mc)
        {
            int icEnd = Math.Min(ic + Mc, m);
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                bool accumulate = pc > 0;
                bool last = pc + kc == k;
                for (int q = q0; q < q1; q++)
                {
                    int j = q * Nr;
                    int cols = Math.Min(Nr, n - j);
                    double* bp;
                    nint ldb;
                    if (direct && cols == Nr)
                    {
                        bp = op.B + pc * op.BRowStride + j;
                        ldb = op.BRowStride;
                    }
                    else
                    {
                        bp = packed + (nint)q * k * Nr + (nint)pc * Nr;
                        ldb = Nr;
                    }
                    double* bias = last && op.Bias != null ? op.Bias + j : null;
                    for (int ir = ic; ir < icEnd; ir += Mr)
                    {
                        int rows = Math.Min(Mr, m - ir);
                        double* ap = op.A + ir * op.ARowStride + pc * op.AColStride;
                        nint rs = op.ARowStride, cs = op.AColStride;
                        if (rows < Mr)
                        {
                            PackTail(op, ir, rows, pc, kc, aTail);
                            ap = aTail;
                            rs = kc;
                            cs = 1;
                        }
                        double* cp = op.C + ir * ldc + j;
                        if (rows == Mr && cols == Nr)
                        {
                            MicroKernels.Run(isa, kc, ap, rs, cs, bp, ldb, cp, ldc, accumulate, bias);
                        }
                        else
                        {
                            EdgeTile(isa, kc, ap, rs, cs, bp, ldb, cp, ldc, rows, cols, accumulate, bias, tile);
                        }
                    }
                }
            }
            epilogue?.Apply(ic, icEnd - ic, j0, j1 - j0);
        }
    }

    /// <summary>A tile that sticks out of C: computed in full on a scratch tile, and only its valid part kept.</summary>
    private static void EdgeTile(GemmIsa isa, int kc, double* ap, nint rs, nint cs, double* bp, nint ldb, double* cp, nint ldc, int rows, int cols, bool accumulate, double* bias, double* tile)
    {
        new Span<double>(tile, Mr * Nr).Clear();
        if (accumulate)
        {
            for (int r = 0; r < rows; r++)
            {
                new ReadOnlySpan<double>(cp + r * ldc, cols).CopyTo(new Span<double>(tile + r * Nr, cols));
            }
        }
        MicroKernels.Run(isa, kc, ap, rs, cs, bp, ldb, tile, Nr, accumulate, null);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double v = tile[r * Nr + c];
                cp[r * ldc + c] = bias == null ? v : v + bias[c];
            }
        }
    }

    /// <summary>Panel q of B (columns 16q..16q+15, all k rows) to <c>dst[p 16 + jj]</c>, zero past column n.</summary>
    private static void PackPanel(in GemmOperands op, int q, double* dst)
    {
        int k = op.K, j = q * Nr, cols = Math.Min(Nr, op.N - j);
        nint brs = op.BRowStride, bcs = op.BColStride;
        double* src = op.B + j * bcs;
        if (brs == 1)
        {
            // B^T stored row-major (the forward product's W): walk each source row contiguously.
            for (int jj = 0; jj < cols; jj++)
            {
                double* s = src + jj * bcs;
                for (int p = 0; p < k; p++)
                {
                    dst[p * Nr + jj] = s[p];
                }
            }
        }
        else
        {
            for (int p = 0; p < k; p++)
            {
                double* s = src + p * brs;
                for (int jj = 0; jj < cols; jj++)
                {
                    dst[p * Nr + jj] = s[jj * bcs];
                }
            }
        }
        if (cols < Nr)
        {
            for (int p = 0; p < k; p++)
            {
                new Span<double>(dst + p * Nr + cols, Nr - cols).Clear();
            }
        }
    }

    /// <summary>Rows [ir, ir + rows) and inner [pc, pc + kc) of A to a row-major Mr x kc block, zero rows below.</summary>
    private static void PackTail(in GemmOperands op, int ir, int rows, int pc, int kc, double* dst)
    {
        for (int r = 0; r < Mr; r++)
        {
            double* d = dst + r * kc;
            if (r >= rows)
            {
                new Span<double>(d, kc).Clear();
                continue;
            }
            double* s = op.A + (ir + r) * op.ARowStride + pc * op.AColStride;
            for (int p = 0; p < kc; p++)
            {
                d[p] = s[p * op.AColStride];
            }
        }
    }

    private static void FillBias(in GemmOperands op, int j0, int j1, GemmEpilogue? epilogue)
    {
        for (int i = 0; i < op.M; i++)
        {
            for (int j = j0; j < j1; j++)
            {
                op.C[i * op.Ldc + j] = op.Bias == null ? 0.0 : op.Bias[j];
            }
        }
        for (int ic = 0; ic < op.M; ic += Mc)
        {
            epilogue?.Apply(ic, Math.Min(Mc, op.M - ic), j0, j1 - j0);
        }
    }

    /// <summary>One product split over fixed column ranges; reused, so a parallel product allocates nothing.</summary>
    internal sealed class Job(GemmWorkspace workspace) : IParallelWork
    {
        private GemmOperands _op;
        private int _parts;
        private int _panels;
        private GemmIsa _isa;
        private GemmEpilogue? _epilogue;

        public void Set(in GemmOperands op, int parts, int panels, GemmIsa isa, GemmEpilogue? epilogue)
        {
            (_op, _parts, _panels, _isa, _epilogue) = (op, parts, panels, isa, epilogue);
        }

        public void Clear()
        {
            (_op, _epilogue) = (default, null);
        }

        public void Execute(int part)
        {
            // Static partition: part t always gets panels [t P / T, (t + 1) P / T), whatever thread runs it.
            int q0 = (int)((long)part * _panels / _parts), q1 = (int)((long)(part + 1) * _panels / _parts);
            RunPart(_op, workspace, part, q0, q1, _isa, _epilogue);
        }
    }
}
