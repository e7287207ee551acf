using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<double>;

namespace Backprop.Core.Kernels;

/// <summary>
/// Runs an <see cref="IActivationKernel"/> over spans, eight values at a time. The last n mod 8 values go through
/// the same kernel in a zero-padded vector, and a single value is broadcast (<see cref="Value{TKernel}"/>), so a
/// value's result never depends on the span's length, its position in it, or the batch it came in. The forward loops
/// take two vectors a turn: one's exp overlaps the other's division (a few percent of a small network's step).
/// </summary>
internal static class ActivationSpans
{
    /// <summary>Effectively computes <c>a[i] = phi(z[i])</c>; a may be z itself.</summary>
    public static void Forward<TKernel>(TKernel kernel, ReadOnlySpan<double> z, Span<double> a)
        where TKernel : struct, IActivationKernel
    {
        int n = z.Length;
        ref double zr = ref MemoryMarshal.GetReference(z);
        ref double ar = ref MemoryMarshal.GetReference(a);
        int i = 0;
        for (; i <= n - 2 * V.Count; i += 2 * V.Count)
        {
            V a0 = kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)i));
            V a1 = kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)(i + V.Count)));
            a0.StoreUnsafe(ref ar, (nuint)i);
            a1.StoreUnsafe(ref ar, (nuint)(i + V.Count));
        }
        for (; i <= n - V.Count; i += V.Count)
        {
            kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)i)).StoreUnsafe(ref ar, (nuint)i);
        }
        if (i < n)
        {
            Span<double> lanes = stackalloc double[V.Count];
            lanes.Clear();
            z[i..].CopyTo(lanes);
            kernel.Value(Vector512.Create(lanes)).CopyTo(lanes);
            lanes[..(n - i)].CopyTo(a[i..]);
        }
    }

    /// <summary>Effectively computes <c>a[i] = phi(z[i])</c> and <c>derivative[i] = phi'(z[i])</c>.</summary>
    public static void Forward<TKernel>(TKernel kernel, ReadOnlySpan<double> z, Span<double> a, Span<double> derivative)
        where TKernel : struct, IActivationKernel
    {
        int n = z.Length;
        ref double zr = ref MemoryMarshal.GetReference(z);
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double dr = ref MemoryMarshal.GetReference(derivative);
        int i = 0;
        for (; i <= n - 2 * V.Count; i += 2 * V.Count)
        {
            V a0 = kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)i), out V d0);
            V a1 = kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)(i + V.Count)), out V d1);
            a0.StoreUnsafe(ref ar, (nuint)i);
            d0.StoreUnsafe(ref dr, (nuint)i);
            a1.StoreUnsafe(ref ar, (nuint)(i + V.Count));
            d1.StoreUnsafe(ref dr, (nuint)(i + V.Count));
        }
        for (; i <= n - V.Count; i += V.Count)
        {
            kernel.Value(Vector512.LoadUnsafe(ref zr, (nuint)i), out V d).StoreUnsafe(ref ar, (nuint)i);
            d.StoreUnsafe(ref dr, (nuint)i);
        }
        if (i < n)
        {
            Span<double> lanes = stackalloc double[2 * V.Count];
            lanes.Clear();
            z[i..].CopyTo(lanes);
            kernel.Value(Vector512.Create(lanes), out V d).CopyTo(lanes);
            d.CopyTo(lanes[V.Count..]);
            lanes[..(n - i)].CopyTo(a[i..]);
            lanes.Slice(V.Count, n - i).CopyTo(derivative[i..]);
        }
    }

    /// <summary>Effectively computes <c>delta[i] = g[i] phi'(z[i])</c> (see <see cref="IActivationKernel"/>); g may be delta itself.</summary>
    public static void Backward<TKernel>(TKernel kernel, ReadOnlySpan<double> z, ReadOnlySpan<double> g, Span<double> delta)
        where TKernel : struct, IActivationKernel
    {
        int n = delta.Length;
        ref double zr = ref MemoryMarshal.GetReference(z);
        ref double gr = ref MemoryMarshal.GetReference(g);
        ref double dr = ref MemoryMarshal.GetReference(delta);
        int i = 0;
        for (; i <= n - V.Count; i += V.Count)
        {
            kernel.Backward(Vector512.LoadUnsafe(ref zr, (nuint)i), Vector512.LoadUnsafe(ref gr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }
        if (i < n)
        {
            Span<double> lanes = stackalloc double[2 * V.Count];
            lanes.Clear();
            z[i..n].CopyTo(lanes);
            g[i..n].CopyTo(lanes[V.Count..]);
            kernel.Backward(Vector512.Create(lanes), Vector512.Create(lanes[V.Count..])).CopyTo(lanes);
            lanes[..(n - i)].CopyTo(delta[i..]);
        }
    }

    /// <summary>phi(z) for one value, through the same lanes as the spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Value<TKernel>(TKernel kernel, double z) where TKernel : struct, IActivationKernel =>
        kernel.Value(Vector512.Create(z)).ToScalar();

    /// <summary>phi'(z) for one value, through the same lanes as the spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Derivative<TKernel>(TKernel kernel, double z) where TKernel : struct, IActivationKernel =>
        kernel.Derivative(Vector512.Create(z)).ToScalar();
}
