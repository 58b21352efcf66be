using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Cases;

/// <summary>Every conformance case, in report order. Case ids are stable and never reused.</summary>
public static class CaseCatalog
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> Cases = new(Build);

    /// <summary>All cases.</summary>
    public static IReadOnlyList<ConformanceCase> All => Cases.Value;

    /// <summary>Finds a case by id.</summary>
    public static ConformanceCase Get(string id) =>
        All.FirstOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"No conformance case '{id}'.");

    /// <summary>Cases whose id matches a glob (<c>*</c>, <c>?</c>) or equals it, optionally within a profile.</summary>
    public static IReadOnlyList<ConformanceCase> Select(string? pattern, string? profile) =>
        Select(string.IsNullOrEmpty(pattern) ? [] : [pattern], profile is null ? [] : [profile], []).Selected;

    /// <summary>
    /// Selects cases: matching any of <paramref name="patterns"/> (all when empty), in any of
    /// <paramref name="profiles"/> (all when empty) and matching none of <paramref name="skip"/>. Also returns each
    /// case left out with the reason (for the not-exercised list).
    /// </summary>
    public static (IReadOnlyList<ConformanceCase> Selected, IReadOnlyDictionary<string, string> LeftOut) Select(
        IReadOnlyList<string> patterns, IReadOnlyList<string> profiles, IReadOnlyList<string> skip)
    {
        var include = patterns.Select(Glob).ToList();
        var exclude = skip.Select(p => (Pattern: p, Regex: Glob(p))).ToList();
        var selected = new List<ConformanceCase>();
        var leftOut = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in All)
        {
            if (include.Count > 0 && !include.Any(r => r.IsMatch(c.Id)))
            {
                leftOut[c.Id] = $"not selected (--case {string.Join(" --case ", patterns)})";
            }
            else if (profiles.Count > 0 && !profiles.Contains(c.Profile))
            {
                leftOut[c.Id] = $"not selected (--profile {string.Join(" --profile ", profiles)})";
            }
            else if (exclude.FirstOrDefault(x => x.Regex.IsMatch(c.Id)) is { Regex: not null } hit)
            {
                leftOut[c.Id] = $"skipped (--skip '{hit.Pattern}')";
            }
            else
            {
                selected.Add(c);
            }
        }

        return (selected, leftOut);
    }

    private static System.Text.RegularExpressions.Regex Glob(string pattern) =>
        new("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static IReadOnlyList<ConformanceCase> Build()
    {
        var list = new List<ConformanceCase>();
        list.AddRange(HandshakeCases.All());
        list.AddRange(AuthCases.All());
        list.AddRange(EnvelopeCases.All());
        list.AddRange(DeliveryCases.All());
        list.AddRange(LimitCases.All());
        list.AddRange(ChatCases.All());
        list.AddRange(PresenceCases.All());
        list.AddRange(RoomCases.All());
        list.AddRange(ServiceDeskCases.All());
        list.AddRange(TransferCases.All());
        list.AddRange(ApiCases.All());
        list.AddRange(CoreSpecCases.All());
        list.AddRange(ChatSpecCases.All());
        list.AddRange(DeskSpecCases.All());
        list.AddRange(ApiSpecCases.All());
        list.AddRange(PrecisionCases.All());
        var dup = list.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidOperationException($"Duplicate conformance case id '{dup.Key}'.");
        }

        return list;
    }
}
