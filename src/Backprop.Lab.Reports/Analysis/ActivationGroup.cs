using Backprop.Core.Experiments;
using Backprop.Core.Networks;

namespace Backprop.Lab.Reports.Analysis;

/// <summary>
/// The trials of one activation that a phase diagram can place: gaussian initialiser (so sigma_w^2 is the weight
/// scale), a summary, and the most common sigma_b among them (theory's critical line depends on it). Trials left
/// out are counted with the reason, so the report can say so.
/// </summary>
public sealed record ActivationGroup(Activation Activation, double SigmaB, IReadOnlyList<TrialResult> Trials, IReadOnlyList<SkippedItem> Excluded)
{
    public string Name => Activation.ToString();

    public double Sb2 => SigmaB * SigmaB;

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
            double sigmaB = usable.GroupBy(t => t.Config.SigmaB).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
            int otherBias = usable.Count(t => t.Config.SigmaB != sigmaB);
            if (otherBias > 0)
            {
                excluded.Add(new SkippedItem($"{phi}: {otherBias} trial(s)", $"sigma_b other than the most common {sigmaB:G4}: the phase diagram is drawn at one sigma_b"));
            }
            groups.Add(new ActivationGroup(phi, sigmaB, usable.Where(t => t.Config.SigmaB == sigmaB).ToList(), excluded));
        }
        return groups;
    }
}
