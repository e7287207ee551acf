using Backprop.Core.Kernels;

namespace Backprop.Core.Networks;

/// <summary>
/// Recycles the arrays of networks that live for a short while, one after another: a sweep's trials. A network built
/// with a pool takes its weights, gradients and batch buffers from it, and gives them back when
/// <see cref="Mlp.ReturnBuffers"/> is called, so the next trial of a similar shape allocates nearly nothing. Without
/// it every trial put its network on the heap anew: a 32-layer, 128-wide network is 64 arrays of 128 KB on the large
/// object heap and 128 of 64 KB besides, and the 48 trials of bench-sweep.json allocated 0.44 GB, about 50
/// collections and 10 full ones a sweep.
/// <para>
/// Arrays are kept by exact length and handed out zeroed, so a network built from recycled arrays computes bit for
/// bit what a new one does. The pool holds at most <see cref="CapacityBytes"/>; when a returned array would exceed
/// that, the pool first lets go of every array of another length (a sweep moved on to other shapes), and if it is
/// still full the array is left to the garbage collector. Thread-safe: trials on many workers share one pool.
/// </para>
/// </summary>
public sealed class BufferPool
{
    private readonly Dictionary<int, Stack<double[]>> _free = [];
    private readonly Stack<GemmWorkspace> _workspaces = new();
    private readonly int _maxWorkspaces;
    private readonly Lock _lock = new();
    private long _held;

    /// <summary>A pool holding at most <paramref name="capacityBytes"/> of arrays.</summary>
    public BufferPool(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
        _maxWorkspaces = 4 * Environment.ProcessorCount;
    }

    /// <summary>
    /// The pool the trial runner uses: up to 64 MB, or 24 MB per processor on machines with more than two (a worker per
    /// core, each with at most one network between trials; the 32-layer, 128-wide networks of bench-sweep.json are
    /// 19 MB each).
    /// </summary>
    public static BufferPool Trials { get; } = new(Math.Max(64L << 20, (24L << 20) * Environment.ProcessorCount));

    /// <summary>The most this pool holds.</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes of arrays held now, waiting to be rented again.</summary>
    public long HeldBytes
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> zeros: a recycled one if the pool has one.</summary>
    public double[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return [];
        }
        double[]? array = null;
        lock (_lock)
        {
            if (_free.TryGetValue(length, out Stack<double[]>? stack) && stack.TryPop(out array))
            {
                _held -= Bytes(array);
            }
        }
        if (array is null)
        {
            return new double[length];
        }
        Array.Clear(array);
        return array;
    }

    /// <summary>Gives <paramref name="array"/> back; the caller must not use it again.</summary>
    public void Return(double[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length == 0)
        {
            return;
        }
        long bytes = Bytes(array);
        if (bytes > CapacityBytes)
        {
            return; // could never fit: no reason to let go of what the pool holds
        }
        lock (_lock)
        {
            if (_held + bytes > CapacityBytes)
            {
                // Arrays of other lengths belong to shapes the sweep has left behind (or will meet again, and allocate).
                foreach (var (length, stack) in _free)
                {
                    if (length != array.Length)
                    {
                        foreach (double[] dropped in stack)
                        {
                            _held -= Bytes(dropped);
                        }
                        stack.Clear();
                    }
                }
                if (_held + bytes > CapacityBytes)
                {
                    return;
                }
            }
            if (!_free.TryGetValue(array.Length, out Stack<double[]>? stack2))
            {
                _free[array.Length] = stack2 = new Stack<double[]>();
            }
            stack2.Push(array);
            _held += bytes;
        }
    }

    /// <summary>A packing workspace for a network's products (they grow on demand and keep their size).</summary>
    internal GemmWorkspace RentWorkspace()
    {
        lock (_lock)
        {
            if (_workspaces.TryPop(out GemmWorkspace? workspace))
            {
                return workspace;
            }
        }
        return new GemmWorkspace();
    }

    internal void ReturnWorkspace(GemmWorkspace workspace)
    {
        lock (_lock)
        {
            if (_workspaces.Count < _maxWorkspaces)
            {
                _workspaces.Push(workspace);
            }
        }
    }

    private static long Bytes(double[] array) => (long)array.Length * sizeof(double);
}
