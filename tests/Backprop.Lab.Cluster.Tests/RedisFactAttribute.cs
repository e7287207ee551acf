namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// A test that needs Debian's redis-server on the PATH (<c>apt-get install redis-server</c>; .ci/run installs it).
/// Where it is missing (a fresh developer machine) the test reports as skipped with that reason, so the README's
/// test command still passes.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Executable is null)
        {
            Skip = "redis-server is not installed (apt-get install redis-server); the real-cluster tests need it";
        }
    }
}
