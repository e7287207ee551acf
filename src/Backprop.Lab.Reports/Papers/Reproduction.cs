using Backprop.Core.Experiments;

namespace Backprop.Lab.Reports.Papers;

/// <summary>
/// A classic gradient-flow result as a check: the sweep that re-runs it (experiments/papers/NAME.json, and NAME.quick.json
/// for a run of about a minute on 2 cores) and the claims evaluated on its results. A reproduction reads only what the
/// results hold: it works on a sweep run in process, on the embedded silo or on a cluster, and on a folder still running
/// (claims without their trials yet say so).
/// </summary>
public abstract class Reproduction
{
    /// <summary>The name lab reproduce takes, e.g. "glorot-bengio-2010" (also the sweep's "paper" field).</summary>
    public abstract string Name { get; }

    /// <summary>Authors, year and title.</summary>
    public abstract string Citation { get; }

    /// <summary>One line: what is reproduced, for <c>lab reproduce --list</c>.</summary>
    public abstract string Summary { get; }

    /// <summary>The claims, evaluated on <paramref name="trials"/> (any results: each claim picks the trials it needs).</summary>
    public abstract IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<TrialResult> trials);

    /// <summary>The page of docs/papers/ that quotes the paper's setting, the scaling down and the tolerances.</summary>
    public string DocsPage => $"docs/papers/{Name}.md";

    /// <summary>The sweep file's text: the full size, or the quick one.</summary>
    public string SweepText(bool quick) => Reproductions.Resource($"{Name}{(quick ? ".quick" : "")}.json");

    /// <summary>The file name the sweep is shipped as under experiments/papers/.</summary>
    public string SweepFileName(bool quick) => $"{Name}{(quick ? ".quick" : "")}.json";
}

/// <summary>Every shipped reproduction, and the sweep files they run (embedded, so lab reproduce works from any folder).</summary>
public static class Reproductions
{
    public static IReadOnlyList<Reproduction> All { get; } =
    [
        new Poole2016(),
        new Schoenholz2017(),
        new GlorotBengio2010(),
        new He2015(),
        new Saxe2014(),
        new Pennington2017(),
    ];

    public static Reproduction? Find(string name) =>
        All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    internal static string Resource(string file)
    {
        using Stream stream = typeof(Reproductions).Assembly.GetManifestResourceStream("papers/" + file)
            ?? throw new InvalidOperationException($"the build has no embedded sweep file papers/{file}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Whether every claim passed (a claim without data has not).</summary>
    public static bool AllPass(IReadOnlyList<ClaimResult> claims) => claims.Count > 0 && claims.All(c => c.Verdict == Verdict.Pass);
}
