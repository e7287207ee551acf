using Backprop.Core.Experiments;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;

namespace Backprop.Lab.Grains;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds what a Backprop.Lab silo needs: the trial pool (<paramref name="trialsPerSilo"/> at once, default one per
    /// core, within <paramref name="memoryBudget"/>, default half the machine's memory) and, unless the caller configures
    /// a real store, in-memory storage for the SweepGrain. The environment variable
    /// <see cref="TrialGate.EnvironmentVariable"/> puts a <see cref="TrialGate"/> in front of the pool.
    /// </summary>
    public static ISiloBuilder AddBackpropLab(this ISiloBuilder silo, int? trialsPerSilo = null, bool memoryStorage = true, MemoryBudget? memoryBudget = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton(new TrialPoolOptions { Capacity = trialsPerSilo, Gate = TrialGate.FromEnvironment(), MemoryBudget = memoryBudget });
        silo.Services.AddSingleton<TrialPool>();
        // The SweepGrain's state in Orleans' own binary format (its types are [GenerateSerializer]) rather than the
        // default Newtonsoft JSON: the state holds every configuration and every unsaved result (about 40 KB each)
        // and is written once a second, which with JSON cost about 1 s of CPU per bench sweep, and loading and
        // compiling Newtonsoft delayed the first Submit by 0.4 s. Applies to memory and Redis storage alike.
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        // Orleans sizes its grain-directory cache for a million grains up front: a 19 MB array on the large object heap
        // of every silo, which every full collection marks through, while the trials' own garbage triggers one every
        // second or two. A sweep's silo caches the addresses of its trials' grains on other silos; ten thousand is
        // more than any sweep keeps running, and a lookup beyond it goes to the directory, one hop away.
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 10_000);
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(SweepGrain.StorageName);
        }
        return silo;
    }
}
