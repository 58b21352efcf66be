using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Spec;

namespace Switchboard.Conformance.Reporting;

/// <summary>A MUST/SHOULD requirement that no case exercised in a run, and why.</summary>
/// <param name="Profile">Profile of the id: its capability (section 1), or <c>core</c>.</param>
/// <param name="Id">Requirement id.</param>
/// <param name="Level"><c>MUST</c> or <c>SHOULD</c>.</param>
/// <param name="Reasons">Why, one entry per citing case (or the reason no case exists).</param>
public sealed record NotExercisedEntry(string Profile, string Id, string Level, IReadOnlyList<string> Reasons)
{
    /// <summary>The reasons in one line.</summary>
    public string Reason => string.Join("; ", Reasons);
}

/// <summary>
/// Works out which MUST/SHOULD ids of the spec a run did not exercise. An id is exercised when at least one case
/// citing it ran to a verdict that judged the server (OK, NON-STRICT or FAILED). Otherwise every citing case says
/// why: capability not declared (UNIMPLEMENTED), a runner flag or bound missing (INFORMATIONAL, with the case's
/// note), not selected (<c>--case</c>, <c>--profile</c>, <c>--skip</c>), not run (cancelled); ids without any case
/// give the documented reason no black-box case can check them.
/// </summary>
public static class NotExercised
{
    /// <summary>Computes the list, ordered by profile (report order) then spec order.</summary>
    /// <param name="results">Results of the cases that were run (any verdict).</param>
    /// <param name="notRun">Cases of the catalog that were not run, with the reason (e.g. "skipped by --skip 'ka.*'").</param>
    /// <param name="catalog">The case catalog (default <see cref="CaseCatalog.All"/>).</param>
    /// <param name="spec">The spec (default the embedded one).</param>
    public static IReadOnlyList<NotExercisedEntry> Compute(
        IReadOnlyList<CaseResult> results,
        IReadOnlyDictionary<string, string> notRun,
        IReadOnlyList<ConformanceCase>? catalog = null,
        SpecIndex? spec = null)
    {
        spec ??= SpecIndex.Embedded;
        catalog ??= CaseCatalog.All;
        var byCase = results.ToDictionary(r => r.Case.Id, StringComparer.Ordinal);
        var list = new List<NotExercisedEntry>();
        foreach (var req in spec.Requirements.Values.Where(r => r.Level is "MUST" or "SHOULD"))
        {
            var citing = catalog.Where(c => c.Requirements.Contains(req.Id)).ToList();
            var profile = RequirementCapabilities.Of(req.Id, spec) ?? Profiles.Core;
            if (citing.Count == 0)
            {
                var why = NotBlackBoxCheckable.Reasons.TryGetValue(req.Id, out var r) ? r : "no conformance case cites it";
                list.Add(new(profile, req.Id, req.Level, [$"no case: {why}"]));
                continue;
            }

            if (citing.Any(c => byCase.TryGetValue(c.Id, out var res) && res.Verdict is Verdict.Ok or Verdict.NonStrict or Verdict.Failed))
            {
                continue;
            }

            var reasons = new List<string>();
            foreach (var c in citing)
            {
                if (byCase.TryGetValue(c.Id, out var res))
                {
                    reasons.Add(res.Verdict == Verdict.Unimplemented
                        ? $"{c.Id}: capability not declared ({string.Join(", ", c.Capabilities.Order(StringComparer.Ordinal))})"
                        : $"{c.Id}: not exercisable with the given options: {string.Join(" ", res.Notes)}".TrimEnd(' ', ':'));
                }
                else
                {
                    reasons.Add($"{c.Id}: {notRun.GetValueOrDefault(c.Id, "not run")}");
                }
            }

            list.Add(new(profile, req.Id, req.Level, reasons));
        }

        return [.. list.OrderBy(e => ProfileOrder(e.Profile))];
    }

    private static int ProfileOrder(string profile)
    {
        var i = Profiles.All.ToList().IndexOf(profile);
        return i < 0 ? int.MaxValue : i;
    }
}
