using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Kernels;

/// <summary>
/// Scratch memory of <see cref="PackedGemm"/>: the packed B panels (shared by all threads, each packs its own
/// panels) and one A tail per thread. Owned by a network (its layers run one after another) and grown on demand,
/// so after the first step of a given shape a product allocates nothing. Arrays live on the pinned object heap
/// so helper threads can hold raw pointers to them.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    private double[] _packedB = [];
    private double[][] _aTails = [];

    public GemmWorkspace()
    {
        Job = new PackedGemm.Job(this);
    }

    /// <summary>The reusable job handed to <see cref="WorkerTeam"/>, so a parallel product allocates no closure.</summary>
    internal PackedGemm.Job Job { get; }

    /// <summary>Makes room for a product of inner size k and n columns, split over up to <paramref name="parts"/> threads.</summary>
    public void Ensure(int k, int n, int parts)
    {
        int panels = (n + MicroKernels.Nr - 1) / MicroKernels.Nr;
        long packed = (long)Math.Max(k, 1) * panels * MicroKernels.Nr;
        if (_packedB.Length < packed)
        {
            _packedB = GC.AllocateUninitializedArray<double>(checked((int)packed), pinned: true);
        }
        int tail = MicroKernels.Mr * PackedGemm.Kc;
        if (_aTails.Length < parts)
        {
            var tails = new double[parts][];
            for (int t = 0; t < parts; t++)
            {
                tails[t] = t < _aTails.Length ? _aTails[t] : GC.AllocateArray<double>(tail, pinned: true);
            }
            _aTails = tails;
        }
    }

    /// <summary>Packed B: panel q (columns 16q .. 16q + 15) starts at q k 16; row p of it at + 16 p.</summary>
    public double* PackedB => Pointer(_packedB);

    /// <summary>An Mr x Kc block for the last rows of A when m is not a multiple of Mr, one per thread.</summary>
    public double* ATail(int part) => Pointer(_aTails[part]);

    private static double* Pointer(double[] array) => (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
