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
    public static IReadOnlyList<ConformanceCase> Select(string? pattern, string? profile)
    {
        System.Text.RegularExpressions.Regex? re = null;
        if (!string.IsNullOrEmpty(pattern))
        {
            var p = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            re = new System.Text.RegularExpressions.Regex(p, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        }

        return [.. All.Where(c => (re is null || re.IsMatch(c.Id)) && (profile is null || c.Profile == profile))];
    }

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
        var dup = list.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidOperationException($"Duplicate conformance case id '{dup.Key}'.");
        }

        return list;
    }
}
