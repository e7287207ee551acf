using System.Text.Json.Serialization;
using Backprop.Core.Serialization;

namespace Backprop.Core.Experiments;

/// <summary>
/// Whether and how a trial measures its Jacobian spectrum (<see cref="JacobianSpectrum"/>), stored as "auto", "exact",
/// "estimate" or "off". The exact spectrum costs about 2 width / batch_size + 1 training steps per input it averages over
/// (a backward pass of every basis row, see <see cref="JacobianProbe"/>) and 8 width^2 bytes several times over; the
/// estimate costs about one training step per input at any width.
/// </summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<JacobianMode>))]
public enum JacobianMode
{
    /// <summary>Exact up to width <see cref="JacobianProbe.AutoExactWidth"/>, the randomised estimate above it.</summary>
    Auto,

    /// <summary>Exact at any width (up to <see cref="JacobianProbe.MaxExactWidth"/>).</summary>
    Exact,

    /// <summary>The randomised estimate at any width.</summary>
    Estimate,

    /// <summary>Not measured.</summary>
    Off,
}

/// <summary>How a recorded spectrum was obtained, stored as "exact" or "estimate".</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<JacobianMethod>))]
public enum JacobianMethod
{
    /// <summary>Every singular value, from the eigenvalues of J J^T.</summary>
    Exact,

    /// <summary>Hutchinson's estimate of the mean squared singular value and a lower bound on the largest (<see cref="JacobianProbe"/>).</summary>
    Estimate,
}
