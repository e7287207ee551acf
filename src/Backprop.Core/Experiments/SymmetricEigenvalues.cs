namespace Backprop.Core.Experiments;

/// <summary>
/// The eigenvalues of a real symmetric matrix, without eigenvectors: Householder reduction to tridiagonal form, then the
/// implicit QL iteration with Wilkinson shifts (Wilkinson and Reinsch 1971, Handbook for Automatic Computation II,
/// procedures tred1 and tql1; the 0-based form of Press et al., Numerical Recipes, 3rd ed., section 11.4). Eigenvalues
/// only, the reduction is 4/3 n^3 multiply-adds and the iteration O(n^2): for the n = 256 of a trial's Jacobian a
/// fifth of the time of a decomposition that also accumulates eigenvectors (Math.NET's), which a spectrum does not need.
/// Backward stable: each eigenvalue is within a few n eps ||A|| of the exact one (absolutely: eigenvalues far below
/// eps ||A|| are rounding).
/// </summary>
internal static class SymmetricEigenvalues
{
    /// <summary>2^-52, the spacing of doubles at 1.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// The eigenvalues of the symmetric n x n matrix <paramref name="a"/> (row-major; only its lower triangle is read, and
    /// it is overwritten) into <paramref name="eigenvalues"/>, in no particular order; all NaN when an entry is not finite.
    /// </summary>
    public static void Compute(Span<double> a, int n, Span<double> eigenvalues)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(a.Length, n * n);
        ArgumentOutOfRangeException.ThrowIfLessThan(eigenvalues.Length, n);
        Span<double> d = eigenvalues[..n];
        // Scaled by a power of two to largest entry about 1 (exactly undone), so that no intermediate under- or overflows.
        double largest = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(a[..(n * n)]);
        if (largest == 0 || !double.IsFinite(largest))
        {
            d.Fill(largest == 0 ? 0 : double.NaN);
            return;
        }
        int exponent = Math.ILogB(largest);
        System.Numerics.Tensors.TensorPrimitives.Multiply(a[..(n * n)], Math.ScaleB(1.0, -exponent), a[..(n * n)]);
        double[] e = new double[n];
        Tridiagonalise(a, n, d, e);
        Ql(d, e, n);
        System.Numerics.Tensors.TensorPrimitives.Multiply(d, Math.ScaleB(1.0, exponent), d);
    }

    /// <summary>Householder reduction: the diagonal into d, the subdiagonal into e[1..n-1] (e[0] = 0).</summary>
    private static void Tridiagonalise(Span<double> z, int n, Span<double> d, double[] e)
    {
        for (int i = n - 1; i > 0; i--)
        {
            int l = i - 1;
            double h = 0, scale = 0;
            Span<double> row = z.Slice(i * n, i);
            if (l > 0)
            {
                foreach (double v in row)
                {
                    scale += Math.Abs(v);
                }
                if (scale == 0)
                {
                    e[i] = row[l];
                }
                else
                {
                    for (int k = 0; k < i; k++)
                    {
                        row[k] /= scale;
                        h += row[k] * row[k];
                    }
                    double f = row[l];
                    double g = f >= 0 ? -Math.Sqrt(h) : Math.Sqrt(h);
                    e[i] = scale * g;
                    h -= f * g;
                    row[l] = f - g;
                    f = 0;
                    // p = A u / h over the leading i x i block, from its lower triangle; then K = u^T p / 2h.
                    for (int j = 0; j < i; j++)
                    {
                        g = System.Numerics.Tensors.TensorPrimitives.Dot(z.Slice(j * n, j + 1), row[..(j + 1)]);
                        for (int k = j + 1; k < i; k++)
                        {
                            g += z[k * n + j] * row[k];
                        }
                        e[j] = g / h;
                        f += e[j] * row[j];
                    }
                    double hh = f / (h + h);
                    // A' = A - u q^T - q u^T with q = p - K u (lower triangle only).
                    for (int j = 0; j < i; j++)
                    {
                        f = row[j];
                        e[j] = g = e[j] - hh * f;
                        Span<double> target = z.Slice(j * n, j + 1);
                        for (int k = 0; k <= j; k++)
                        {
                            target[k] -= f * e[k] + g * row[k];
                        }
                    }
                }
            }
            else
            {
                e[i] = row[l];
            }
            d[i] = h;
        }
        e[0] = 0;
        for (int i = 0; i < n; i++)
        {
            d[i] = z[i * n + i];
        }
    }

    /// <summary>The implicit QL iteration on the tridiagonal matrix (d, e): d becomes its eigenvalues.</summary>
    private static void Ql(Span<double> d, double[] e, int n)
    {
        for (int i = 1; i < n; i++)
        {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0;
        for (int l = 0; l < n; l++)
        {
            int iterations = 0;
            int m;
            do
            {
                // The first negligible subdiagonal element at or below l splits the matrix.
                for (m = l; m < n - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    // Relative to its neighbours, or below eps ||A|| (||A|| about 1 once scaled) as in EISPACK's tql1: a cluster
                    // of eigenvalues near 0 (a Gram matrix of low numerical rank) never meets the relative test alone, and
                    // eps ||A|| is the accuracy of the reduction anyway.
                    if (Math.Abs(e[m]) <= MachineEpsilon * Math.Max(dd, 1.0))
                    {
                        break;
                    }
                }
                if (m == l)
                {
                    continue;
                }
                if (++iterations > 60)
                {
                    throw new InvalidOperationException("the QL iteration did not converge (a non-finite matrix?)");
                }
                double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                double r = double.Hypot(g, 1.0);
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.Abs(r) : -Math.Abs(r)));
                double s = 1, c = 1, p = 0;
                int i;
                for (i = m - 1; i >= l; i--)
                {
                    double f = s * e[i], b = c * e[i];
                    e[i + 1] = r = double.Hypot(f, g);
                    if (r == 0)
                    {
                        // Underflow: deflate and start again from l.
                        d[i + 1] -= p;
                        e[m] = 0;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2.0 * c * b;
                    d[i + 1] = g + (p = s * r);
                    g = c * r - b;
                }
                if (r == 0 && i >= l)
                {
                    continue;
                }
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            }
            while (m != l);
        }
    }
}
