using StackExchange.Redis;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// Explains why a client found no cluster in Redis: Redis unreachable, no silo registered at all, or silos
/// registered under other ids (the usual mistake: a wrong --cluster-id or --service-id). Orleans' Redis membership
/// keeps each cluster's table under the key "SERVICEID/members/CLUSTERID".
/// </summary>
internal static class RedisMembership
{
    private static bool IsActive(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("Status", out var status) && status.ValueKind == System.Text.Json.JsonValueKind.Number && status.GetInt32() == 3;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    public static string Explain(ClusterSettings settings)
    {
        try
        {
            ConfigurationOptions options = settings.RedisOptions();
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 2000;
            options.ConnectRetry = 1;
            using ConnectionMultiplexer redis = ConnectionMultiplexer.Connect(options);
            // A client looking for gateways creates an empty table for its ids, so count active silos, not keys.
            var clusters = new SortedDictionary<string, int>(StringComparer.Ordinal);
            IDatabase db = redis.GetDatabase();
            foreach (System.Net.EndPoint endpoint in redis.GetEndPoints())
            {
                foreach (RedisKey key in redis.GetServer(endpoint).Keys(pattern: "*/members/*", pageSize: 100).Take(50))
                {
                    string text = key.ToString();
                    int at = text.IndexOf("/members/", StringComparison.Ordinal);
                    int active = db.HashGetAll(key).Count(e => e.Name.ToString().StartsWith('S') && IsActive(e.Value.ToString()));
                    clusters[$"ServiceId \"{text[..at]}\" with ClusterId \"{text[(at + "/members/".Length)..]}\""] = active;
                }
            }
            string mine = $"ServiceId \"{settings.ServiceId}\" with ClusterId \"{settings.ClusterId}\"";
            string[] live = clusters.Where(c => c.Value > 0 && c.Key != mine).Select(c => $"{c.Key} ({c.Value} active silo{(c.Value == 1 ? "" : "s")})").ToArray();
            if (clusters.GetValueOrDefault(mine) > 0)
            {
                return $"{clusters[mine]} silo(s) of this cluster are active in Redis, but none answered: are they reachable from here?";
            }
            if (live.Length == 0)
            {
                return $"Redis at {settings.Redis} answers, but no silo is active there: start silos with `lab silo --redis {settings.Redis}` (and the same ids).";
            }
            return $"No silo of {mine} is active in Redis; it has {string.Join("; ", live)}. " +
                "A client joins only a cluster with the same ClusterId and ServiceId: check --cluster-id and --service-id.";
        }
        catch (RedisException e)
        {
            return $"Redis at {settings.Redis} cannot be used: {e.Message}";
        }
    }
}
