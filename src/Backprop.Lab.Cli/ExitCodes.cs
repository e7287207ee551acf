namespace Backprop.Lab.Cli;

/// <summary>The process exit codes of <c>lab</c>, documented in docs/getting-started.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A bug or an environment failure (not the user's input).</summary>
    public const int InternalError = 1;

    /// <summary>
    /// Bad input the user can fix: a flag, a network, batch or sweep file. An unknown command or option gets one line,
    /// "error: unknown option '--sw3' for 'lab theory'; did you mean --sw2?", with the nearest known names.
    /// </summary>
    public const int BadInput = 2;

    /// <summary>Training diverged (NaN or Inf, or the loss grown a millionfold: see Divergence), reported with the step where it happened.</summary>
    public const int Diverged = 3;

    /// <summary>lab gradcheck: the analytic gradients disagree with finite differences (the report says where).</summary>
    public const int CheckFailed = 4;

    /// <summary>lab sweep --cluster: the cluster could not be reached (the message names the addresses tried).</summary>
    public const int ClusterUnavailable = 5;

    /// <summary>
    /// A file or folder could not be read or written (a full disk, a read-only folder, a path that is a file): the
    /// message names it. Results already saved are kept, and a sweep's folder can be resumed.
    /// </summary>
    public const int FileError = 6;

    /// <summary>
    /// The command printed as much as --max-output allows and was stopped; stderr says so. Not 0: a script reading the
    /// output must not take a cut-off matrix or JSON document for the whole result.
    /// </summary>
    public const int OutputCut = 7;

    /// <summary>lab reproduce: the sweep finished, and at least one of the paper's claims failed or had no data (the table says which).</summary>
    public const int ClaimsFailed = 8;

    /// <summary>Interrupted by Ctrl+C; what finished is saved (the conventional 128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
