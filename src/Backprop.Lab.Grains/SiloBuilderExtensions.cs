using Backprop.Core.Experiments;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;

namespace Backprop.Lab.Grains;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds a Backprop.Lab silo's <see cref="TrialWorker"/> (<paramref name="trialsPerSilo"/> at once, default one per core,
    /// within <paramref name="memoryBudget"/>, default half the machine's memory; each trial first waits for
    /// <paramref name="beforeTrial"/>, a test's gate) and, unless the caller configures a store, memory storage for sweeps.
    /// </summary>
    public static ISiloBuilder AddBackpropLab(this ISiloBuilder silo, int? trialsPerSilo = null, bool memoryStorage = true, MemoryBudget? memoryBudget = null,
        Action<CancellationToken>? beforeTrial = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton(new TrialPoolOptions(trialsPerSilo, beforeTrial, memoryBudget));
        silo.Services.AddSingleton<TrialWorker>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<TrialWorker>());
        // The ledger in Orleans' binary format rather than the default Newtonsoft JSON: it holds the client's window of
        // configurations and every unsaved result (about 40 KB each), and is written on every change. Memory and Redis alike.
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        // Orleans sizes its grain-directory cache for a million grains up front: a 19 MB array on the large object heap of
        // every silo, which every full collection marks through. Ten thousand is more than any sweep keeps leased.
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 10_000);
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(SweepGrain.StorageName);
        }
        return silo;
    }
}
