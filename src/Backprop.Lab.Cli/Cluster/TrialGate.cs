namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// A gate in front of every trial a silo's worker starts (its <c>beforeTrial</c>), for tests of a real cluster that must hold the work at a known
/// point (for example, keep a sweep unfinished while Redis is down) without depending on how long a trial takes. A permit
/// is any file in <see cref="Directory"/>; a worker passes by claiming one, renaming it into <see cref="Claimed"/>, which
/// succeeds for exactly one claimant: across all silos sharing the folder, N permits start exactly N trials. Set by the
/// environment variable <see cref="EnvironmentVariable"/>; without it there is no gate.
/// </summary>
internal sealed class TrialGate(string directory)
{
    public const string EnvironmentVariable = "LAB_TRIAL_GATE";

    public string Directory { get; } = directory;

    /// <summary>Where claimed permits go, one file per trial started.</summary>
    public string Claimed { get; } = Path.Combine(directory, "claimed");

    /// <summary>The gate's <see cref="Pass"/> when <see cref="EnvironmentVariable"/> names one, for a silo's workers; else null.</summary>
    public static Action<CancellationToken>? BeforeTrial() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } directory ? new TrialGate(directory).Pass : null;

    /// <summary>Waits for this caller to claim a permit; throws when <paramref name="cancellation"/> fires first.</summary>
    public void Pass(CancellationToken cancellation)
    {
        System.IO.Directory.CreateDirectory(Claimed);
        while (true)
        {
            foreach (string permit in System.IO.Directory.EnumerateFiles(Directory))
            {
                try
                {
                    File.Move(permit, Path.Combine(Claimed, $"{Environment.ProcessId}-{Guid.NewGuid():N}"));
                    return;
                }
                catch (FileNotFoundException)
                {
                    // another worker claimed it first
                }
            }
            if (cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(20)))
            {
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }
}
