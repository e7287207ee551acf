namespace Backprop.Lab.Grains;

/// <summary>
/// A gate in front of every trial a silo's pool starts, for tests of a real cluster that must hold the work at a
/// known point (for example, keep a sweep unfinished while Redis is down) without depending on how long a trial
/// takes. A permit is any file in <see cref="Directory"/>; a worker passes the gate by claiming one, renaming it into
/// <c>claimed/</c>. A rename succeeds for exactly one claimant, so across all silos sharing the folder, N permits
/// start exactly N trials. Set by the environment variable <see cref="EnvironmentVariable"/>; without it there is
/// no gate and nothing waits.
/// </summary>
public sealed class TrialGate
{
    public const string EnvironmentVariable = "LAB_TRIAL_GATE";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public TrialGate(string directory)
    {
        Directory = directory;
        Claimed = Path.Combine(directory, "claimed");
    }

    public string Directory { get; }

    /// <summary>Where claimed permits go, one file per trial started.</summary>
    public string Claimed { get; }

    /// <summary>The gate named by <see cref="EnvironmentVariable"/>, or null when it is unset.</summary>
    public static TrialGate? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } directory ? new TrialGate(directory) : null;

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
            if (cancellation.WaitHandle.WaitOne(PollInterval))
            {
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }
}
