using Backprop.Tests.Shared;

using Backprop.Lab.Cli.Cluster;

namespace Backprop.Lab.Cli.Tests.Cluster;

public sealed class TrialGateTests : TempDirectory
{
    [Fact]
    public async Task N_permits_let_exactly_N_of_many_waiting_workers_through()
    {
        var gate = new TrialGate(System.IO.Path.Combine(Path, "gate"));
        Directory.CreateDirectory(gate.Directory);
        for (int i = 0; i < 3; i++)
        {
            File.WriteAllText(System.IO.Path.Combine(gate.Directory, $"permit-{i}"), "");
        }
        using var stop = new CancellationTokenSource();
        Task[] workers = Enumerable.Range(0, 5).Select(_ => Task.Factory.StartNew(() => gate.Pass(stop.Token), TaskCreationOptions.LongRunning)).ToArray();

        var passed = new List<Task>();
        while (passed.Count < 3)
        {
            passed.Add(await Task.WhenAny(workers.Except(passed)));
        }
        Assert.All(passed, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(3, Directory.GetFiles(gate.Claimed).Length);
        Assert.Empty(Directory.GetFiles(gate.Directory));

        // The other two wait for permits that never come, until the silo stops.
        stop.Cancel();
        foreach (Task waiting in workers.Except(passed))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
        Assert.Equal(3, Directory.GetFiles(gate.Claimed).Length);
    }

    [Fact]
    public void Without_the_environment_variable_there_is_no_gate()
    {
        Assert.Null(Environment.GetEnvironmentVariable(TrialGate.EnvironmentVariable));
        Assert.Null(TrialGate.BeforeTrial());
    }
}
