using System.Runtime.CompilerServices;

namespace Backprop.Core.Randomness;

/// <summary>
/// A seeded pseudo-random generator whose every output is defined bit for bit: xoshiro256** (Blackman and
/// Vigna 2018) seeded through SplitMix64, uniform doubles from the top 53 bits, and normal deviates by
/// Marsaglia's polar method using <see cref="DeterministicMath.Log"/> and IEEE sqrt. <see cref="System.Random"/>
/// is not used because its algorithm is an implementation detail of the runtime and its Gaussian would need
/// the platform's log.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>A generator in this one's state: the same numbers follow from both (a random sweep's checkpoints).</summary>
    internal Rng Clone() => (Rng)MemberwiseClone();

    /// <summary>Derives an independent stream for a sub-task (a layer, a dataset) from a parent seed.</summary>
    public static ulong DeriveSeed(ulong seed, ulong stream)
    {
        ulong x = seed ^ (0x9E3779B97F4A7C15UL * (stream + 1));
        return SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Uniform on [low, high).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>
    /// Effectively computes <c>destination[i] = NextUniform(low, high)</c> for i = 0, 1, ...: the same numbers and the
    /// same state afterwards, with the state held in registers for the loop (a fast gradient check draws one per
    /// parameter, over a million on a large network, where the field updates of a call per number cost a third more).
    /// Optimised from the first call: it is called rarely, with long loops that tier-0 code runs several times slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(Span<double> destination, double low, double high)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        double width = high - low;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong result = RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = RotateLeft(s3, 45);
            destination[i] = low + width * ((result >> 11) * (1.0 / 9007199254740992.0));
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>Uniform integer on [0, n).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return (int)((NextUInt64() >> 11) % (ulong)n);
    }

    /// <summary>Standard normal deviate (mean 0, variance 1).</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        }
        while (s >= 1.0 || s == 0.0);
        double factor = Math.Sqrt(-2.0 * DeterministicMath.Log(s) / s);
        _spareNormal = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
