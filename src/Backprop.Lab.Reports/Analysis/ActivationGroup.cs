using Backprop.Core.Experiments;
using Backprop.Core.Networks;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The trials of one activation that a phase diagram can place: gaussian initialiser (so sigma_w^2 is the weight
/// scale) and a summary; one group per facet (<see cref="Facets"/>), that is per value of each other axis the sweep
/// varies (learning rate, width, sigma_b, ...), so that a cell never mixes them unsaid. An axis with too many values
/// to split by is averaged over and named in <see cref="Averaged"/>, for the figures to say so; sigma_b, on which
/// theory's critical line depends, is never averaged: when it cannot be split by, the most common value is drawn.
/// Trials left out are counted with the reason, so the report can say so.
/// </summary>
public sealed record ActivationGroup(Activation Activation, double SigmaB, IReadOnlyList<TrialResult> Trials, IReadOnlyList<SkippedItem> Excluded)
{
    /// <summary>The axes a phase diagram places itself: its rows and columns, and which seeds each cell averages.</summary>
    private static readonly IReadOnlySet<string> Placed = new HashSet<string>(StringComparer.Ordinal) { "activation", "depth", "sigma_w2", "init", "seed" };

    /// <summary>The values of the other swept axes this group is drawn at; empty when the sweep varies no other axis.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facet { get; init; } = [];

    /// <summary>Axes this group's cells average over besides seeds (too many values to split by).</summary>
    public IReadOnlyList<AveragedAxis> Averaged { get; init; } = [];

    /// <summary>"tanh", or "tanh, learning_rate = 0.5" for one facet of a sweep over the learning rate.</summary>
    public string Name => Facet.Count == 0 ? Activation.ToString() : $"{Activation}, {string.Join(", ", Facet.Select(f => $"{f.Key} = {f.Value}"))}";

    /// <summary>The figures' file stem: "tanh", or "tanh-learning-rate-0-5".</summary>
    public string FileStem => Figures.PhaseDiagramFigure.Slug(string.Join("-", Facet.Select(f => $"{f.Key}-{f.Value}").Prepend(Activation.ToString())));

    /// <summary>A sentence for a caption naming the axes averaged over besides seeds; empty when there are none.</summary>
    public string AveragingNote => Averaged.Count == 0 ? "" : $" Each value also averages over {string.Join(" and ", Averaged)}.";

    public double Sb2 => SigmaB * SigmaB;

    /// <summary>
    /// Whether the plain network's mean-field lines (the critical line, 6 xi_c) describe this group: every trial plain and
    /// unnormalised. Skips and norms change the recursions, so for them the lines are left out rather than drawn wrong.
    /// </summary>
    public bool PlainTheory => Trials.All(t => t.Config.ParsedArchitecture is { Residual: false, Norm: Backprop.Core.Networks.Normalization.None });

    /// <summary>A sentence for a caption when <see cref="PlainTheory"/> does not hold; empty when it does.</summary>
    public string NoPlainTheoryNote => PlainTheory ? "" : " The mean-field lines are not drawn here: they are the plain network's, and skips and norms change them.";

    public static IReadOnlyList<ActivationGroup> From(IEnumerable<TrialResult> trials)
    {
        var groups = new List<ActivationGroup>();
        foreach (var byActivation in trials
            .Select(t => (Trial: t, Ok: Activation.TryParse(t.Config.Activation, out Activation a), Phi: a))
            .Where(x => x.Ok)
            .GroupBy(x => x.Phi.ToString(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Activation phi = byActivation.First().Phi;
            var all = byActivation.Select(x => x.Trial).ToList();
            var excluded = new List<SkippedItem>();
            var usable = all.Where(t => t.Summary is not null && t.Config.Init == "gaussian").ToList();
            int noSummary = all.Count(t => t.Summary is null);
            int otherInit = all.Count(t => t.Summary is not null && t.Config.Init != "gaussian");
            if (noSummary > 0)
            {
                excluded.Add(new SkippedItem($"{phi}: {noSummary} trial(s)", "no measurements (failed trials) in the phase diagram"));
            }
            if (otherInit > 0)
            {
                excluded.Add(new SkippedItem($"{phi}: {otherInit} trial(s)", "initialiser other than gaussian: no sigma_w^2 to place them at in the phase diagram"));
            }
            if (usable.Count == 0)
            {
                groups.Add(new ActivationGroup(phi, 0, [], excluded));
                continue;
            }
            IReadOnlyList<Facet<TrialResult>> facets = Facets.Split(usable, t => t.Config, Placed);
            for (int i = 0; i < facets.Count; i++)
            {
                // The activation's own exclusions are reported once, with its first facet.
                groups.Add(OneFacet(phi, facets[i], i == 0 ? excluded : []));
            }
        }
        return groups;
    }

    private static ActivationGroup OneFacet(Activation phi, Facet<TrialResult> facet, IReadOnlyList<SkippedItem> excludedBefore)
    {
        var excluded = excludedBefore.ToList();
        var trials = facet.Items;
        var averaged = facet.Averaged;
        if (averaged.Any(a => a.Field == "sigma_b"))
        {
            double common = trials.GroupBy(t => t.Config.SigmaB).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
            int other = trials.Count(t => t.Config.SigmaB != common);
            string where = facet.Values.Count == 0 ? phi.ToString() : $"{phi}, {facet.Label(" = ")}";
            excluded.Add(new SkippedItem($"{where}: {other} trial(s)", $"sigma_b other than the most common {common:G4}: the phase diagram is drawn at one sigma_b"));
            trials = trials.Where(t => t.Config.SigmaB == common).ToArray();
            averaged = averaged.Where(a => a.Field != "sigma_b").ToArray();
        }
        return new ActivationGroup(phi, trials[0].Config.SigmaB, trials, excluded) { Facet = facet.Values, Averaged = averaged };
    }
}
