using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Backprop.Lab.Grains;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds what a Backprop.Lab silo needs: the trial pool (<paramref name="trialsPerSilo"/> at once, default one per
    /// core) and, unless the caller configures a real store, in-memory storage for the SweepGrain.
    /// </summary>
    public static ISiloBuilder AddBackpropLab(this ISiloBuilder silo, int? trialsPerSilo = null, bool memoryStorage = true)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton(new TrialPoolOptions { Capacity = trialsPerSilo });
        silo.Services.AddSingleton<TrialPool>();
        // The SweepGrain's state in Orleans' own binary format (its types are [GenerateSerializer]) rather than the
        // default Newtonsoft JSON: the state holds every configuration and every unsaved result (about 40 KB each)
        // and is written once a second, which with JSON cost about 1 s of CPU per bench sweep, and loading and
        // compiling Newtonsoft delayed the first Submit by 0.4 s. Applies to memory and Redis storage alike.
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(SweepGrain.StorageName);
        }
        return silo;
    }
}
