namespace Backprop.Core.Experiments;

/// <summary>
/// The axes of a sweep as its trials show them: the fields of <see cref="TrialConfig.Fields"/> whose value differs
/// between trials, whether the sweep file made them a grid axis, a random axis or neither. Every view of a sweep
/// names each of them or says it averages over it; none is averaged silently.
/// </summary>
public static class SweepAxes
{
    /// <summary>The fields whose value differs between some of <paramref name="configs"/>, in the order of <see cref="TrialConfig.Fields"/>.</summary>
    public static IReadOnlyList<string> Varying(IEnumerable<TrialConfig> configs)
    {
        IReadOnlyList<KeyValuePair<string, string>>? first = null;
        var varying = new HashSet<string>(StringComparer.Ordinal);
        foreach (TrialConfig config in configs)
        {
            IReadOnlyList<KeyValuePair<string, string>> fields = config.Fields();
            first ??= fields;
            for (int i = 0; i < fields.Count; i++)
            {
                if (fields[i].Value != first[i].Value)
                {
                    varying.Add(fields[i].Key);
                }
            }
        }
        return first is null ? [] : first.Select(f => f.Key).Where(varying.Contains).ToArray();
    }

    /// <summary>True for the fields the fixed part of a label shows: activation, depth, width (or widths), seed, and sigma_w2 (gaussian) or the initialiser.</summary>
    internal static bool InLabel(string field, bool gaussian) => field switch
    {
        "activation" or "depth" or "width" or "widths" or "seed" or "init" => true,
        "sigma_w2" => gaussian,
        _ => false,
    };

    /// <summary>The value of <paramref name="field"/> in <paramref name="config"/>, as <see cref="TrialConfig.Fields"/> spells it.</summary>
    public static string Value(TrialConfig config, string field) =>
        config.Fields().FirstOrDefault(f => f.Key == field) is { Key: not null } f ? f.Value : throw new ArgumentException($"no field {field}", nameof(field));
}
