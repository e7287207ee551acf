using Backprop.Core.Experiments.Data;
using Backprop.Core.Kernels;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Experiments;

/// <summary>
/// Measures the Jacobian between two layers of a network with its own passes only (<see cref="Mlp.Forward"/>,
/// <see cref="Mlp.BackwardFrom"/>, <see cref="Mlp.ActivationGradient"/>), so it holds for every architecture those passes
/// support. Row i of J = d a_top / d a_bottom is e_i^T J, the gradient with respect to a_bottom of the i-th output of
/// layer top: one forward pass of copies of the input, then a backward pass from layer top with rows of the identity as
/// dJ/d(a_top), a chunk of rows at a time. The weights are read, never written (the passes overwrite only the layers'
/// buffers and gradients), and no random number is drawn from the training's streams.
/// </summary>
public static unsafe class JacobianProbe
{
    /// <summary>The widest trial whose spectrum <see cref="JacobianMode.Auto"/> measures exactly.</summary>
    public const int AutoExactWidth = 512;

    /// <summary>The widest trial whose spectrum is measured exactly at all (J and J J^T take 8 N^2 bytes each).</summary>
    public const int MaxExactWidth = 4096;

    /// <summary>
    /// The inputs a trial's spectrum is pooled over: the first examples of its dataset. Two keep the exact spectrum of a
    /// depth-32, width-256 trial within about ten training steps of batch 64 (each input costs a backward pass of every
    /// basis row); a wide net's spectrum at one input already pools N singular values.
    /// </summary>
    public const int TrialInputs = 2;

    /// <summary>The stream of <see cref="Rng.DeriveSeed"/> the estimate's probes come from, apart from the training's.</summary>
    public const ulong ProbeStream = 0x7AC0;

    /// <summary>
    /// J = d a_top / d a_bottom at one input x (length <see cref="Mlp.InputSize"/>) into <paramref name="jacobian"/>, row-major
    /// (units of layer top) x (units of layer bottom); layer indices are 0-based, bottom &lt; top. <paramref name="chunk"/>
    /// rows of the basis go through each backward pass.
    /// </summary>
    public static void Rows(Mlp network, int bottom, int top, ReadOnlySpan<double> x, int chunk, Span<double> jacobian)
    {
        ArgumentNullException.ThrowIfNull(network);
        int rows = network.Layers[top].OutputSize, columns = network.Layers[bottom].OutputSize;
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bottom, top);
        ArgumentOutOfRangeException.ThrowIfLessThan(jacobian.Length, rows * columns);
        chunk = Math.Clamp(chunk, 1, rows);
        Repeat(network, x, chunk);
        var basis = new double[chunk * rows];
        for (int start = 0; start < rows; start += chunk)
        {
            int count = Math.Min(chunk, rows - start);
            Array.Clear(basis);
            for (int r = 0; r < count; r++)
            {
                basis[r * rows + start + r] = 1;
            }
            network.BackwardFrom(top, basis);
            network.ActivationGradient(bottom)[..(count * columns)].CopyTo(jacobian.Slice(start * columns, count * columns));
        }
    }

    /// <summary>
    /// The spectrum a trial records at its current weights, or null when it records none (mode off, or depth 1: no
    /// layer between x_1 and x_D). The Jacobian is d x_D / d x_1 (<see cref="JacobianSpectrum"/>) at the first
    /// <see cref="TrialInputs"/> examples of <paramref name="data"/>, the trial's batch size of basis rows a pass.
    /// </summary>
    public static JacobianSpectrum? ForTrial(TrialConfig config, Dataset data, Mlp network, HistogramCounter counter)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        JacobianMethod? method = MethodFor(config);
        if (method is null || config.Depth < 2)
        {
            return null;
        }
        int inputs = Math.Min(TrialInputs, data.Count);
        ReadOnlySpan<double> x = data.Inputs.AsSpan(0, inputs * data.InputSize);
        return method == JacobianMethod.Exact
            ? Exact(network, 0, config.Depth - 1, x, inputs, config.BatchSize, counter)
            : Estimate(network, 0, config.Depth - 1, x, inputs, config.BatchSize, new Rng(Rng.DeriveSeed(config.Seed, ProbeStream)));
    }

    /// <summary>How a trial's spectrum is measured under its <see cref="TrialConfig.Jacobian"/> option; null for not at all.</summary>
    public static JacobianMethod? MethodFor(TrialConfig config) => config?.Jacobian switch
    {
        JacobianMode.Off => null,
        JacobianMode.Exact => JacobianMethod.Exact,
        JacobianMode.Estimate => JacobianMethod.Estimate,
        _ => config!.TopWidth <= AutoExactWidth ? JacobianMethod.Exact : JacobianMethod.Estimate,
    };

    /// <summary>Every singular value of J at each of <paramref name="inputs"/> rows of <paramref name="x"/>: the square roots of the eigenvalues of J J^T.</summary>
    public static JacobianSpectrum Exact(Mlp network, int bottom, int top, ReadOnlySpan<double> x, int inputs, int chunk, HistogramCounter counter)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = network.Layers[top].OutputSize, columns = network.Layers[bottom].OutputSize;
        if (n > MaxExactWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(top), $"the exact spectrum of {n} rows is refused; at most {MaxExactWidth}");
        }
        var j = new double[n * columns];
        var gram = new double[n * n];
        var eigenvalues = new double[inputs * n];
        var traces = new double[inputs];
        // The trials' workspaces, not a new one: each holds pinned arrays, and pinned garbage made at every measurement
        // is what a heap near its limit handles worst.
        // (Not given back if the measurement throws: the collector takes it then.)
        GemmWorkspace workspace = BufferPool.Trials.RentWorkspace();
        for (int i = 0; i < inputs; i++)
        {
            Rows(network, bottom, top, x.Slice(i * network.InputSize, network.InputSize), chunk, j);
            // J scaled by a power of two to largest entry about 1 (undone exactly below): a vanishing or exploding J's
            // Gram matrix would otherwise under- or overflow long before J itself does.
            double largest = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(j);
            if (!double.IsFinite(largest) || largest == 0)
            {
                traces[i] = largest == 0 ? 0 : double.NaN;
                eigenvalues.AsSpan(i * n, n).Fill(traces[i]);
                continue;
            }
            int exponent = Math.ILogB(largest);
            System.Numerics.Tensors.TensorPrimitives.Multiply(j, Math.ScaleB(1.0, -exponent), j);
            traces[i] = Math.ScaleB(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<double>(j), 2 * exponent);
            fixed (double* pj = j, pg = gram)
            {
                // J J^T: A = J (row-major), B = J^T (row k of B is column k of J: row stride 1, column stride columns).
                PackedGemm.Multiply(new GemmOperands(pj, columns, 1, pj, 1, columns, pg, n, n, n, columns), workspace);
            }
            Span<double> values = eigenvalues.AsSpan(i * n, n);
            SymmetricEigenvalues(gram, n, values);
            System.Numerics.Tensors.TensorPrimitives.Multiply(values, Math.ScaleB(1.0, 2 * exponent), values);
        }
        BufferPool.Trials.ReturnWorkspace(workspace);
        return JacobianSpectrum.FromEigenvalues(eigenvalues, traces, n, counter);
    }

    /// <summary>
    /// The randomised estimate at each input: k = min(<paramref name="chunk"/>, N) probe rows V with orthonormal rows in a
    /// uniformly random k-dimensional subspace (Gaussian rows orthonormalised), one backward pass giving Y = V J. Then
    /// E||V J||_F^2 = (k/N) ||J||_F^2, so ||Y||_F^2 / k is an unbiased estimate of the mean squared singular value
    /// (Hutchinson 1990, with orthonormal probes). The largest singular value of Y bounds sigma_max(J) from below (Y's
    /// singular values interlace J's): power iteration on J J^T would need the product J u, a forward-mode pass the
    /// network does not have, so the bound (the top Ritz value of J J^T on the probes' subspace) is what is recorded.
    /// </summary>
    public static JacobianSpectrum Estimate(Mlp network, int bottom, int top, ReadOnlySpan<double> x, int inputs, int chunk, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(rng);
        int n = network.Layers[top].OutputSize, columns = network.Layers[bottom].OutputSize;
        int k = Math.Clamp(chunk, 1, n);
        var probes = new double[k * n];
        var gram = new double[k * k];
        var top1 = new double[k];
        // The trials' workspaces, not a new one: each holds pinned arrays, and pinned garbage made at every measurement
        // is what a heap near its limit handles worst.
        // (Not given back if the measurement throws: the collector takes it then.)
        GemmWorkspace workspace = BufferPool.Trials.RentWorkspace();
        double meanSquared = 0, max = 0;
        for (int i = 0; i < inputs; i++)
        {
            OrthonormalRows(probes, k, n, rng);
            Repeat(network, x.Slice(i * network.InputSize, network.InputSize), k);
            network.BackwardFrom(top, probes);
            ReadOnlySpan<double> y = network.ActivationGradient(bottom)[..(k * columns)];
            double squares = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(y);
            meanSquared += squares / k / inputs;
            if (!double.IsFinite(squares))
            {
                max = double.NaN;
                continue;
            }
            fixed (double* py = y, pg = gram)
            {
                PackedGemm.Multiply(new GemmOperands(py, columns, 1, py, 1, columns, pg, k, k, k, columns), workspace);
            }
            SymmetricEigenvalues(gram, k, top1);
            max = Math.Max(max, Math.Sqrt(Math.Max(top1.Max(), 0)));
        }
        BufferPool.Trials.ReturnWorkspace(workspace);
        return new JacobianSpectrum(JacobianMethod.Estimate, inputs, n, meanSquared, max, double.NaN, double.NaN, double.NaN, null, k);
    }

    /// <summary>A forward pass of <paramref name="copies"/> rows, each the input x, so every row of a backward pass sees x's activations.</summary>
    private static void Repeat(Mlp network, ReadOnlySpan<double> x, int copies)
    {
        var batch = new double[copies * network.InputSize];
        for (int r = 0; r < copies; r++)
        {
            x.CopyTo(batch.AsSpan(r * network.InputSize, network.InputSize));
        }
        network.Forward(batch, copies);
    }

    private static void SymmetricEigenvalues(double[] a, int n, Span<double> eigenvalues) =>
        Experiments.SymmetricEigenvalues.Compute(a.AsSpan(0, n * n), n, eigenvalues);

    /// <summary>k Gaussian rows of length n made orthonormal by modified Gram-Schmidt (k &lt;= n): a uniformly random k-frame.</summary>
    private static void OrthonormalRows(double[] v, int k, int n, Rng rng)
    {
        for (int i = 0; i < k * n; i++)
        {
            v[i] = rng.NextNormal();
        }
        for (int r = 0; r < k; r++)
        {
            Span<double> row = v.AsSpan(r * n, n);
            for (int p = 0; p < r; p++)
            {
                ReadOnlySpan<double> previous = v.AsSpan(p * n, n);
                double dot = System.Numerics.Tensors.TensorPrimitives.Dot(row, previous);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(previous, -dot, row, row);
            }
            double norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
    }
}
