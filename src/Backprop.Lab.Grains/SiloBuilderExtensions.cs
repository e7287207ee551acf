using Microsoft.Extensions.DependencyInjection;

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
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(SweepGrain.StorageName);
        }
        return silo;
    }
}
