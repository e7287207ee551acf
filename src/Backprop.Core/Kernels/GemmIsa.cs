using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Kernels;

/// <summary>The instruction set a <see cref="PackedGemm"/> micro-kernel uses.</summary>
internal enum GemmIsa
{
    /// <summary>Plain scalar multiply and add (not fused): any CPU; results differ from the FMA paths by rounding only.</summary>
    Scalar,

    /// <summary>Vector256 with FMA3 (Haswell and later, Zen 1 and later).</summary>
    Avx2Fma,

    /// <summary>Vector512 with AVX-512F FMA (Skylake-X and later, Zen 4 and later).</summary>
    Avx512,
}

/// <summary>Which <see cref="GemmIsa"/> this CPU runs; tests pass a slower one explicitly to check it here too.</summary>
internal static class GemmIsaSupport
{
    public static GemmIsa Best { get; } =
        Avx512F.IsSupported ? GemmIsa.Avx512
        : Fma.IsSupported && Avx.IsSupported ? GemmIsa.Avx2Fma
        : GemmIsa.Scalar;

    /// <summary>True when <paramref name="isa"/> can run on this CPU.</summary>
    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Avx512F.IsSupported,
        GemmIsa.Avx2Fma => Fma.IsSupported && Avx.IsSupported,
        _ => true,
    };
}
