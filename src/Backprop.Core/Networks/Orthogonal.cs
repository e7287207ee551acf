using Backprop.Core.Randomness;

namespace Backprop.Core.Networks;

/// <summary>
/// Orthogonal matrices for <see cref="InitializerKind.Orthogonal"/>: the Q factor of a Gaussian matrix, with
/// R's diagonal kept positive so Q is Haar-distributed (Mezzadri 2007), as PyTorch's orthogonal_ does.
/// Rows x cols with rows at least cols gives orthonormal columns (W^T W = I); fewer rows than cols gives orthonormal rows.
/// </summary>
internal static class Orthogonal
{
    public static void Fill(double[] w, int rows, int cols, double gain, Rng rng)
    {
        // Work on the tall orientation: n vectors of length len, n <= len.
        bool transpose = rows < cols;
        int len = transpose ? cols : rows;
        int n = transpose ? rows : cols;
        var q = new double[n][];
        for (int c = 0; c < n; c++)
        {
            q[c] = new double[len];
            for (int i = 0; i < len; i++)
            {
                q[c][i] = rng.NextNormal();
            }
        }
        // Modified Gram-Schmidt, run twice ("twice is enough", Giraud et al. 2005) to reach orthogonality at
        // rounding level. Dividing by a positive norm is the QR with a positive diagonal of R, which is the
        // sign convention that makes Q Haar-distributed.
        for (int c = 0; c < n; c++)
        {
            double[] v = q[c];
            for (int pass = 0; pass < 2; pass++)
            {
                for (int p = 0; p < c; p++)
                {
                    double dot = Dot(q[p], v);
                    for (int i = 0; i < len; i++)
                    {
                        v[i] -= dot * q[p][i];
                    }
                }
            }
            double norm = Math.Sqrt(Dot(v, v));
            if (norm == 0)
            {
                throw new InvalidOperationException("orthogonal initialisation drew a rank-deficient matrix");
            }
            for (int i = 0; i < len; i++)
            {
                v[i] /= norm;
            }
        }
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                w[r * cols + c] = gain * (transpose ? q[r][c] : q[c][r]);
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }
}
